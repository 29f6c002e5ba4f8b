#include "gantry/eval/dynamics/JointField.h"

#include <torch/torch.h>

namespace gantry::eval {

using train::Side;

namespace {

int64_t countOf(const std::vector<torch::Tensor>& tensors) {
  int64_t n = 0;
  for (const auto& t : tensors) n += t.numel();
  return n;
}

/// The gradients flattened into one vector, zeros where a parameter has none
/// (allow_unused: e.g. G's loss does not depend on D's last bias).
torch::Tensor flatten(const std::vector<torch::Tensor>& gradients, const std::vector<torch::Tensor>& like) {
  std::vector<torch::Tensor> parts;
  for (size_t i = 0; i < like.size(); ++i)
    parts.push_back(gradients[i].defined() ? gradients[i].reshape(-1)
                                           : torch::zeros({like[i].numel()}, like[i].options()));
  return parts.empty() ? torch::Tensor() : torch::cat(parts);
}

/// Standard normal draws with their sample mean and variance made exactly 0
/// and 1 in each coordinate (moment matching; Boyle, Broadie & Glasserman
/// 1997, "Monte Carlo methods for security pricing", §3.2): the Jacobian of
/// the field under instance noise then carries no sampling error in the
/// noise's first two moments, which are all that the Dirac-GAN's Jacobian at
/// its equilibrium depends on.
torch::Tensor momentMatched(const torch::Tensor& draws) {
  if (draws.size(0) < 2) return draws;
  auto centred = draws - draws.mean(0, /*keepdim=*/true);
  return centred / centred.pow(2).mean(0, /*keepdim=*/true).sqrt();
}

}  // namespace

JointField::JointField(train::Arena& arena, int64_t batch, uint64_t seed) : arena_(arena), batch_(batch), seed_(seed) {
  sizeG_ = countOf(parameters(Side::Generator));
  sizeD_ = countOf(parameters(Side::Discriminator));
  const auto options = parameters(Side::Generator).front().options();
  torch::manual_seed(seed);
  // The real batch: consecutive minibatches of the run's data (distinct
  // samples within an epoch of a dataset; fresh draws of a toy distribution).
  std::vector<torch::Tensor> samples, labels;
  for (int64_t have = 0; have < batch; have += samples.back().size(0)) {
    auto next = arena.data().next();
    samples.push_back(next.samples);
    if (next.labels.defined()) labels.push_back(next.labels);
  }
  real_.samples = torch::cat(samples).narrow(0, 0, batch).to(options);
  if (!labels.empty()) real_.labels = torch::cat(labels).narrow(0, 0, batch);
  noise_.z = arena.prior().sample(batch, torch::TensorOptions(options.device())).to(options);
  if (const int64_t classes = arena.generator().classes(); classes > 0)
    noise_.labels = torch::randint(0, classes, {batch}, torch::kLong).to(options.device());
  instanceNoise_ = arena.game().instanceNoise.stdAt(arena.steps());
  if (instanceNoise_ > 0) {
    realNoise_ = momentMatched(torch::randn(real_.samples.sizes(), torch::kFloat64)).to(options);
    fakeNoise_ = momentMatched(torch::randn(real_.samples.sizes(), torch::kFloat64)).to(options);
  }
}

std::vector<torch::Tensor> JointField::parameters(Side side) const { return arena_.player(side).parameters(); }

torch::Tensor JointField::point() const {
  std::vector<torch::Tensor> parts;
  for (auto side : {Side::Generator, Side::Discriminator})
    for (const auto& p : parameters(side)) parts.push_back(p.detach().reshape(-1));
  return torch::cat(parts);
}

void JointField::setPoint(const torch::Tensor& w) {
  torch::NoGradGuard noGrad;
  int64_t offset = 0;
  for (auto side : {Side::Generator, Side::Discriminator})
    for (auto& p : parameters(side)) {
      p.copy_(w.narrow(0, offset, p.numel()).view_as(p));
      offset += p.numel();
    }
  gGradients_.clear();
  dGradients_.clear();
}

torch::Tensor JointField::evaluate(bool forProducts) {
  // The same dropout masks at every point.
  torch::manual_seed(seed_);
  auto gParameters = parameters(Side::Generator);
  auto dParameters = parameters(Side::Discriminator);
  auto fake = arena_.generate(noise_, /*withGraph=*/true);
  auto realInput = real_, fakeInput = fake;
  if (instanceNoise_ > 0) {
    realInput.samples = real_.samples + instanceNoise_ * realNoise_;
    fakeInput.samples = fake.samples + instanceNoise_ * fakeNoise_;
  }
  auto pass = arena_.discriminateInputs(realInput, fakeInput);
  auto gLoss = arena_.generatorLoss(pass);
  gGradients_ = torch::autograd::grad({gLoss}, gParameters, {}, /*retain_graph=*/true,
                                      /*create_graph=*/forProducts, /*allow_unused=*/true);
  dGradients_ = torch::autograd::grad({pass.loss}, dParameters, {}, /*retain_graph=*/forProducts,
                                      /*create_graph=*/forProducts, /*allow_unused=*/true);
  auto v = -torch::cat({flatten(gGradients_, gParameters), flatten(dGradients_, dParameters)}).detach();
  if (!forProducts) {
    gGradients_.clear();
    dGradients_.clear();
  }
  return v;
}

torch::Tensor JointField::productOf(const std::vector<torch::Tensor>& gradients, const std::vector<torch::Tensor>& of,
                                    const torch::Tensor& u, const std::vector<torch::Tensor>& wrt) const {
  torch::Tensor dot;
  int64_t offset = 0;
  for (size_t i = 0; i < gradients.size(); ++i) {
    const auto& g = gradients[i];
    // A gradient that is undefined or constant in w adds nothing.
    if (g.defined() && g.requires_grad()) {
      auto term = (g.reshape(-1) * u.narrow(0, offset, g.numel()).to(g.options())).sum();
      dot = dot.defined() ? dot + term : term;
    }
    offset += of[i].numel();
  }
  if (!dot.defined()) return torch::zeros({countOf(wrt)}, wrt.front().options());
  auto products = torch::autograd::grad({dot}, wrt, {}, /*retain_graph=*/true, /*create_graph=*/false,
                                        /*allow_unused=*/true);
  return flatten(products, wrt);
}

torch::Tensor JointField::transposeProduct(const torch::Tensor& u) {
  TORCH_CHECK(!gGradients_.empty(), "JointField: evaluate() before a product");
  TORCH_CHECK(u.numel() == size(), "JointField: u has ", u.numel(), " entries, the field ", size());
  std::vector<torch::Tensor> gradients(gGradients_);
  gradients.insert(gradients.end(), dGradients_.begin(), dGradients_.end());
  std::vector<torch::Tensor> all = parameters(Side::Generator);
  auto dParameters = parameters(Side::Discriminator);
  all.insert(all.end(), dParameters.begin(), dParameters.end());
  // v = −g, so Jᵀu = −∂⟨g, u⟩/∂w.
  return -productOf(gradients, all, u, all);
}

torch::Tensor JointField::hessianProduct(Side side, const torch::Tensor& u) {
  TORCH_CHECK(!gGradients_.empty(), "JointField: evaluate() before a product");
  TORCH_CHECK(u.numel() == size(side), "JointField: u has ", u.numel(), " entries, the player ", size(side));
  const auto own = parameters(side);
  return productOf(side == Side::Generator ? gGradients_ : dGradients_, own, u, own);
}

torch::Tensor JointField::matrix() {
  const auto options = parameters(Side::Generator).front().options();
  auto rows = torch::empty({size(), size()}, options);
  for (int64_t i = 0; i < size(); ++i) {
    auto e = torch::zeros({size()}, options);
    e[i] = 1;
    rows[i] = transposeProduct(e);  // Jᵀe_i is row i of J
  }
  return rows;
}

namespace {

LinearOperator operatorOf(std::function<torch::Tensor(const torch::Tensor&)> product, int64_t n,
                          torch::TensorOptions options) {
  return [product = std::move(product), n, options](const double* x, double* y) {
    auto in = torch::from_blob(const_cast<double*>(x), {n}, torch::kFloat64).to(options);
    auto out = product(in).to(torch::kCPU, torch::kFloat64).contiguous();
    std::copy(out.data_ptr<double>(), out.data_ptr<double>() + n, y);
  };
}

}  // namespace

LinearOperator transposeOperator(JointField& field) {
  return operatorOf([&field](const torch::Tensor& u) { return field.transposeProduct(u); }, field.size(),
                    field.point().options());
}

LinearOperator hessianOperator(JointField& field, Side side) {
  return operatorOf([&field, side](const torch::Tensor& u) { return field.hessianProduct(side, u); }, field.size(side),
                    field.point().options());
}

std::vector<double> doubles(const torch::Tensor& t) {
  auto c = t.to(torch::kCPU, torch::kFloat64).contiguous();
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

}  // namespace gantry::eval
