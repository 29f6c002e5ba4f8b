// gantry latent: walks between codes, arithmetic on group means, and codes
// found for given images (docs/latent.md).
#include "gantry/app/Commands.h"
#include "gantry/app/EvalSetup.h"
#include "gantry/app/RunFolder.h"
#include "gantry/app/RunSetup.h"
#include "gantry/core/AtomicFile.h"
#include "gantry/core/Blas.h"
#include "gantry/core/Error.h"
#include "gantry/eval/latent/ImageStatistics.h"
#include "gantry/eval/latent/Interpolation.h"
#include "gantry/eval/latent/Inversion.h"
#include "gantry/io/ImageFile.h"
#include "gantry/io/Npy.h"
#include "gantry/io/Png.h"
#include "gantry/io/TerminalImage.h"

#include <ATen/CPUGeneratorImpl.h>
#include <fmt/format.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <limits>
#include <map>
#include <sstream>

namespace gantry::app {

namespace {

/// A trained run ready for latent work: its config, G in eval mode and the
/// labels every code gets (conditional runs, --label; else undefined).
struct LatentRun {
  Config config;
  std::shared_ptr<models::Generator> generator;
  std::optional<int64_t> label;

  /// `n` labels of the chosen class, or undefined for an unconditional G.
  torch::Tensor labels(int64_t n) const { return label ? torch::full({n}, *label, torch::kLong) : torch::Tensor(); }
  int64_t latentDim() const { return generator->latentDim(); }
  torch::Tensor generate(const torch::Tensor& z) const {
    return generateFrom(*generator, config, z, labels(z.size(0)));
  }
  bool images() const { return generator->outputShape().size() == 3; }
};

/// OUT with another extension: the files written beside the picture.
std::filesystem::path beside(const std::filesystem::path& out, const std::string& extension) {
  auto path = out;
  return path.replace_extension(extension);
}

/// The picture and the files beside it must not be an input: `--images
/// x.npy --out x.png` would write the codes found over the targets, and
/// `--labels y.npy --out y.png` over the classes.
void refuseOverwritingInputs(const LatentRequest& request) {
  std::vector<std::filesystem::path> inputs = request.images;
  if (!request.codes.empty()) inputs.push_back(request.codes);
  if (std::filesystem::path(request.labels).extension() == ".npy") inputs.push_back(request.labels);
  for (const auto& output : {request.out, beside(request.out, ".npy"), beside(request.out, ".json")})
    for (const auto& input : inputs)
      if (samePath(output, input))
        throw UserError(fmt::format("--out {} would write {} over an input of this command; choose another --out",
                                    request.out.string(), output.string()));
}

/// UserError naming `flag` when `count` codes, and with `images` their
/// images, would not fit the machine's memory: checked before any is drawn
/// (the chunks of G's output and their concatenation take twice the bytes).
void requireFits(const LatentRun& run, const std::string& flag, double count, bool images) {
  const double perCode = static_cast<double>(run.latentDim()) +
                         (images ? static_cast<double>(c10::multiply_integers(run.generator->outputShape())) : 0.0);
  requireMemory(2.0 * count * perCode * sizeof(float),
                fmt::format("{} asks for {:.0f} codes{},", flag, count, images ? " and their images" : ""),
                "give a smaller " + flag);
}

LatentRun openRun(const LatentRequest& request) {
  refuseOverwritingInputs(request);
  auto [config, generator] = loadTrainedGenerator(RunFolder{request.run}, false, request.member);
  LatentRun run{config, generator, request.label};
  const int64_t classes = generator->classes();
  const bool perImage = !request.labels.empty();  // invert's --labels
  if (perImage && request.label)
    throw UserError("give --label C (one class for every image) or --labels (one per image), not both");
  if (classes > 0 && !request.label && !perImage)
    throw UserError(fmt::format("run {} is conditional: give --label C (a class in 0..{}) for the codes{}",
                                request.run.string(), classes - 1,
                                request.action == "invert" ? ", or --labels with each image's class" : ""));
  if (classes == 0 && (request.label || perImage))
    throw UserError(fmt::format("--label{} (or label:C): run {} is not conditional (conditional = none); leave it out",
                                perImage ? "s" : "", request.run.string()));
  if (request.label && (*request.label < 0 || *request.label >= classes))
    throw UserError(fmt::format("--label must be a class in 0..{}, got {}", classes - 1, *request.label));
  if (!run.images())
    throw UserError(
        fmt::format("gantry latent works on images; run {} draws points (gantry sample --z draws "
                    "from given codes)",
                    request.run.string()));
  createParentFolder(request.out);  // the request is sound so far: where the files go
  return run;
}

/// "S:I" → the code of sample I of `gantry sample --seed S -n pool`.
torch::Tensor codeOfPoint(const LatentRun& run, const std::string& point, int64_t pool) {
  int64_t seed = -1, index = -1;
  char colon = 0;
  std::istringstream in(point);
  if (!(in >> seed >> colon >> index) || colon != ':' || !in.eof() || seed < 0 || index < 0)
    throw UserError(
        fmt::format("--points: '{}' is not SEED:INDEX (e.g. 3:17, sample 17 of gantry sample --seed 3)", point));
  if (index >= pool)
    throw UserError(fmt::format("--points: index {} of '{}' is beyond the {} samples of --pool", index, point, pool));
  requireFits(run, "--pool", static_cast<double>(pool), /*images=*/false);
  return drawLatents(*run.generator, run.config, pool, static_cast<uint64_t>(seed), run.labels(pool)).z[index];
}

int interpolate(const LatentRequest& request) {
  if (request.steps < 2) throw UserError("--steps must be at least 2 (the two ends)");
  const auto& methods = eval::interpolationMethods();
  if (std::find(methods.begin(), methods.end(), request.method) == methods.end())
    throw UserError(fmt::format("--method must be lerp or slerp, got '{}'", request.method));
  if (request.points.empty() == request.codes.empty())
    throw UserError("gantry latent interpolate needs the ends: --points SEED:INDEX,... or --codes FILE.npy");
  if (!request.codes.empty() && request.pool)
    throw UserError("--pool is the -n that --points' indices refer to; --codes FILE.npy takes none: drop --pool");
  auto run = openRun(request);
  torch::Tensor ends;
  if (!request.codes.empty()) {
    ends = readLatentCodes(request.codes, run.latentDim());
  } else {
    std::vector<torch::Tensor> codes;
    for (const auto& point : request.points) codes.push_back(codeOfPoint(run, point, request.pool.value_or(100)));
    ends = torch::stack(codes);
  }
  if (ends.size(0) < 2 || ends.size(0) % 2 != 0)
    throw UserError(fmt::format("the ends come in pairs (one row each): {} given", ends.size(0)));
  requireFits(run, "--steps", static_cast<double>(ends.size(0) / 2) * static_cast<double>(request.steps),
              /*images=*/true);
  std::vector<torch::Tensor> rows;
  for (int64_t p = 0; p < ends.size(0); p += 2)
    rows.push_back(eval::interpolationPath(ends[p], ends[p + 1], request.steps, request.method));
  auto path = torch::cat(rows);
  auto samples = run.generate(path);
  io::writePng(request.out, io::makeGrid(samples, request.steps));
  io::writeNpy(beside(request.out, ".npy"), path);
  std::cout << fmt::format("{} pairs, {} steps each ({}); written {} and {}\n", ends.size(0) / 2, request.steps,
                           request.method, request.out.string(), beside(request.out, ".npy").string());
  return 0;
}

/// One group of arithmetic: the filters of a spec ("class:7,ink:0.9:1")
/// applied in turn to the pool, each quantile range taken among the samples
/// that passed the filters before it. In a conditional run, `label:C`
/// draws the group's pool as class C.
struct Group {
  std::string spec;
  torch::Tensor members;  // indices into its pool
  int64_t matched = 0;    // samples of the pool that passed its filters
};

/// The filters of a spec, split at commas and colons.
std::vector<std::vector<std::string>> filtersOf(const std::string& spec) {
  if (spec.empty()) throw UserError("gantry latent arithmetic needs --a, --b and --c (e.g. --a class:7,ink:0.9:1)");
  std::vector<std::vector<std::string>> filters;
  std::istringstream in(spec);
  for (std::string filter; std::getline(in, filter, ',');) {
    std::vector<std::string> parts;
    std::istringstream fields(filter);
    for (std::string part; std::getline(fields, part, ':');) parts.push_back(part);
    filters.push_back(parts);
  }
  return filters;
}

UserError badFilter(const std::string& spec, const std::vector<std::string>& parts) {
  return UserError(
      fmt::format("group '{}': '{}' is not class:C, label:C or STAT:LO:HI with STAT ink or slant and "
                  "quantiles 0 <= LO < HI <= 1 (e.g. ink:0.9:1, the tenth with the most ink)",
                  spec, fmt::join(parts, ":")));
}

int64_t classOf(const std::string& spec, const std::vector<std::string>& parts) {
  try {
    size_t used = 0;
    const int64_t c = std::stoll(parts[1], &used);
    if (used == parts[1].size()) return c;
  } catch (const std::exception&) {
  }
  throw badFilter(spec, parts);
}

/// The class a group's codes are drawn as: its `label:C`, else --label.
std::optional<int64_t> labelOf(const std::string& spec, const std::optional<int64_t>& fallback) {
  for (const auto& parts : filtersOf(spec))
    if (parts.size() == 2 && parts[0] == "label") return classOf(spec, parts);
  return fallback;
}

Group selectGroup(const std::string& spec, const torch::Tensor& samples,
                  const std::function<torch::Tensor()>& predictedClasses) {
  auto members = torch::arange(samples.size(0), torch::kLong);
  for (const auto& parts : filtersOf(spec)) {
    if (parts.size() == 2 && parts[0] == "label") {
      continue;  // chose the pool
    } else if (parts.size() == 2 && parts[0] == "class") {
      const int64_t c = classOf(spec, parts);
      auto classes = predictedClasses().index_select(0, members);
      members = members.index({classes == c});
    } else if (parts.size() == 3 && (parts[0] == "ink" || parts[0] == "slant")) {
      // The whole field a number: "0.9junk" is no bound.
      auto bound = [&](const std::string& field) {
        size_t used = 0;
        double value = 0;
        try {
          value = std::stod(field, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (field.empty() || used != field.size()) throw badFilter(spec, parts);
        return value;
      };
      const double lo = bound(parts[1]), hi = bound(parts[2]);
      if (!(lo >= 0 && lo < hi && hi <= 1)) throw badFilter(spec, parts);
      auto values = eval::imageStatistic(parts[0], samples.index_select(0, members));
      auto order = values.argsort();
      const auto n = static_cast<double>(members.size(0));
      const auto from = static_cast<int64_t>(std::floor(lo * n)), to = static_cast<int64_t>(std::ceil(hi * n));
      members = std::get<0>(members.index_select(0, order.slice(0, from, to)).sort());
    } else {
      throw badFilter(spec, parts);
    }
  }
  if (members.size(0) == 0)
    throw UserError(
        fmt::format("group '{}' is empty among the pool's samples: widen it or draw a larger --pool", spec));
  return {spec, members, members.size(0)};
}

/// The samples a group is chosen from: `pool` codes of --seed drawn as one
/// class (conditional runs) and their images, and the classifier's classes
/// of them once a class filter asks.
struct Pool {
  torch::Tensor z, samples, classes;
};

int arithmetic(const LatentRequest& request) {
  const std::string* specs[] = {&request.groupA, &request.groupB, &request.groupC};
  std::vector<std::optional<int64_t>> labels;
  for (const auto* spec : specs) labels.push_back(labelOf(*spec, request.label));
  // The result is drawn as C's class: that is --label when every group
  // names its own.
  LatentRequest checked = request;
  checked.label = labels[2];
  auto run = openRun(checked);
  for (size_t g = 0; g < 3; ++g) {
    if (labels[g] && (*labels[g] < 0 || *labels[g] >= run.generator->classes()))
      throw UserError(fmt::format("group '{}': label:{} is not a class of run {} ({})", *specs[g], *labels[g],
                                  request.run.string(),
                                  run.generator->classes() > 0 ? fmt::format("0..{}", run.generator->classes() - 1)
                                                               : std::string("not conditional: leave label: out")));
    if (run.generator->classes() > 0 && !labels[g])
      throw UserError(fmt::format("run {} is conditional: give --label C, or label:C in group '{}'",
                                  request.run.string(), *specs[g]));
  }
  const int64_t pool = request.pool.value_or(10000);
  if (pool < 1) throw UserError("--pool must be at least 1");
  if (request.members < 1) throw UserError("--members must be at least 1");
  requireFits(run, "--pool", static_cast<double>(pool), /*images=*/true);
  const bool conditional = run.generator->classes() > 0;
  auto labelsFor = [&](const std::optional<int64_t>& label, int64_t n) {
    return conditional ? torch::full({n}, *label, torch::kLong) : torch::Tensor();
  };
  auto generate = [&](const torch::Tensor& z, const std::optional<int64_t>& label) {
    return generateFrom(*run.generator, run.config, z, labelsFor(label, z.size(0)));
  };
  std::shared_ptr<const eval::FeatureExtractor> classifier;
  auto classify = [&](const torch::Tensor& images) {
    if (!classifier) {
      EvaluatorOptions options;
      options.classifier = request.classifier;
      classifier = classifierOf(run.config.getString("dataset"), options, torch::kCPU);
    }
    return classifier->extract(images).probabilities.argmax(1);
  };
  // One pool per class the groups are drawn as (one in all for an
  // unconditional run), the same codes of --seed in each.
  std::map<int64_t, Pool> pools;
  auto poolOf = [&](const std::optional<int64_t>& label) -> Pool& {
    auto [it, fresh] = pools.try_emplace(label.value_or(-1));
    if (fresh) {
      it->second.z =
          drawLatents(*run.generator, run.config, pool, static_cast<uint64_t>(request.seed), labelsFor(label, pool)).z;
      it->second.samples = generate(it->second.z, label);
    }
    return it->second;
  };
  std::vector<Group> groups;
  for (size_t g = 0; g < 3; ++g) {
    Pool& from = poolOf(labels[g]);
    auto predictedClasses = [&] {
      if (!from.classes.defined()) from.classes = classify(from.samples);
      return from.classes;
    };
    groups.push_back(selectGroup(*specs[g], from.samples, predictedClasses));
  }
  // Each group's mean over its first K members, as Radford et al. (2016,
  // section 6.3) average "three exemplars": the mean of many codes shrinks
  // towards 0, far inside the prior's shell.
  const int64_t k = request.members;
  std::vector<torch::Tensor> means;
  for (size_t i = 0; i < groups.size(); ++i) {
    auto& g = groups[i];
    if (g.members.size(0) < k)
      throw UserError(
          fmt::format("group '{}' has {} samples among the pool's, fewer than --members {}: widen it or "
                      "draw a larger --pool",
                      g.spec, g.members.size(0), k));
    g.members = g.members.slice(0, 0, k);
    means.push_back(poolOf(labels[i]).z.index_select(0, g.members).mean(0));
  }
  auto result = means[0] - means[1] + means[2];
  // The grid: a row per group (its K members, then the mean's image), and
  // the result's image followed by 7 codes around it (uniform noise of
  // ±0.25 added, as in the paper's Figure 7), drawn as C's class.
  const int64_t columns = std::max<int64_t>(k + 1, 8);
  auto rng = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(request.seed) + 1);
  std::vector<torch::Tensor> rows;
  auto blank = [&](int64_t n) {
    auto shape = run.generator->outputShape();
    shape.insert(shape.begin(), n);
    return torch::ones(shape);
  };
  for (size_t g = 0; g < groups.size(); ++g) {
    auto codes = torch::cat({poolOf(labels[g]).z.index_select(0, groups[g].members), means[g].unsqueeze(0)});
    rows.push_back(torch::cat({generate(codes, labels[g]), blank(columns - k - 1)}));
  }
  auto around = result.unsqueeze(0) + torch::rand({7, run.latentDim()}, rng).mul(0.5).sub(0.25);
  rows.push_back(torch::cat({generate(torch::cat({result.unsqueeze(0), around}), labels[2]), blank(columns - 8)}));
  io::writePng(request.out, io::makeGrid(torch::cat(rows), columns));
  io::writeNpy(beside(request.out, ".npy"), torch::stack({means[0], means[1], means[2], result}));
  nlohmann::json report = {{"pool", pool}, {"seed", request.seed}, {"members", k}};
  const char* names[] = {"a", "b", "c"};
  for (size_t g = 0; g < groups.size(); ++g) {
    // What the members are, beside what their mean code draws.
    auto members = poolOf(labels[g]).samples.index_select(0, groups[g].members);
    auto& entry = report["groups"][names[g]];
    entry = {{"spec", groups[g].spec},
             {"matched", groups[g].matched},
             {"members_ink", eval::inkOf(members).mean().item<double>()},
             {"members_slant", eval::slantOf(members).mean().item<double>()}};
    if (conditional) entry["label"] = *labels[g];
  }
  // The statistics of the four images (already in the grid: each group row's
  // mean after its members, the result first in the last row), to check that
  // a direction carried over.
  auto images = torch::stack({rows[0][k], rows[1][k], rows[2][k], rows[3][0]});
  for (const auto& statistic : eval::imageStatistics()) {
    auto values = eval::imageStatistic(statistic, images);
    report[statistic] = {{"a", values[0].item<double>()},
                         {"b", values[1].item<double>()},
                         {"c", values[2].item<double>()},
                         {"result", values[3].item<double>()}};
  }
  // With a classifier at hand (a class filter chose a group, or --classifier
  // was given), the classes of the four images and of the codes around the
  // result, with their ink: did the result land in C's class, with A − B's
  // change?
  if (classifier || !request.classifier.empty()) {
    auto nearby = rows[3].slice(0, 1);
    auto predicted = classify(torch::cat({images, nearby})).contiguous();  // one pass: the four, then the 7
    const char* image[] = {"a", "b", "c", "result"};
    for (int i = 0; i < 4; ++i) report["class"][image[i]] = predicted[i].item<int64_t>();
    report["around"] = {{"classes", std::vector<int64_t>(predicted.data_ptr<int64_t>() + 4,
                                                         predicted.data_ptr<int64_t>() + predicted.numel())},
                        {"ink", eval::inkOf(nearby).mean().item<double>()}};
  }
  writeFileAtomic(beside(request.out, ".json"), report.dump(2) + "\n");
  std::cout << fmt::format(
      "groups matched by {}, {} and {} of {} samples, {} members each; written {}, .npy (A, B, "
      "C means and the result), .json\n",
      groups[0].matched, groups[1].matched, groups[2].matched, pool, k, request.out.string());
  return 0;
}

/// Target images for inversion: the rows of .npy files and single .png
/// files, each checked against the run's sample shape.
torch::Tensor readTargets(const LatentRun& run, const std::vector<std::filesystem::path>& files) {
  const auto shape = run.generator->outputShape();
  const std::string dataset = run.config.getString("dataset");
  std::vector<torch::Tensor> parts;
  for (const auto& file : files) {
    if (io::lowercaseExtension(file) == ".npy") {
      parts.push_back(samplesOfFile(file, run.config, dataset));
      continue;
    }
    // The pictures an image folder takes, in any case of their names.
    if (!io::isImageFile(file))
      throw UserError(fmt::format("--images {}: give .npy arrays of images or .png/.jpg files", file.string()));
    if (shape.size() != 3 || (shape[0] != 1 && shape[0] != 3))
      throw UserError(
          fmt::format("--images {}: this run's samples are not images; give a .npy of them", file.string()));
    // Decoded as the training images were: grey by stb's weighted sum of R,
    // G and B (a plain mean before), or RGB.
    const auto decoded = io::readImageFile(file, static_cast<int>(shape[0]));
    if (decoded.height != shape[1] || decoded.width != shape[2])
      throw UserError(fmt::format("--images {} is {}x{} pixels; this run's images are {}", file.string(), decoded.width,
                                  decoded.height, fmt::join(shape, "x")));
    auto pixels = torch::from_blob(decoded.pixels.get(), {decoded.height, decoded.width, shape[0]}, torch::kUInt8);
    parts.push_back(pixels.permute({2, 0, 1}).to(torch::kFloat32).div(255.0).unsqueeze(0));
  }
  return torch::cat(parts);
}

/// The class of each of `count` targets: --labels, one per image in their
/// order ("3,2,1" or a .npy of integers), else --label for all of them
/// (undefined for an unconditional G).
torch::Tensor targetLabels(const LatentRun& run, const LatentRequest& request, int64_t count) {
  if (request.labels.empty()) return run.labels(count);
  torch::Tensor labels;
  if (std::filesystem::path(request.labels).extension() == ".npy") {
    labels = io::readNpy(request.labels);
    if (labels.scalar_type() != torch::kInt64 && labels.scalar_type() != torch::kUInt8)
      throw UserError(fmt::format("--labels {} holds {} values; classes are integers (NumPy int64 or uint8)",
                                  request.labels, c10::toString(labels.scalar_type())));
    if (labels.dim() != 1)
      throw UserError(fmt::format("--labels {} has shape [{}]; give one class per image, a 1-d array", request.labels,
                                  fmt::join(labels.sizes(), ", ")));
    labels = labels.to(torch::kLong);
  } else {
    std::vector<int64_t> values;
    std::istringstream in(request.labels);
    for (std::string part; std::getline(in, part, ',');) {
      size_t used = 0;
      try {
        values.push_back(std::stoll(part, &used));
      } catch (const std::exception&) {
        used = 0;
      }
      if (part.empty() || used != part.size())
        throw UserError(
            fmt::format("--labels: '{}' is not a class; give classes such as 3,2,1 or a .npy of them", part));
    }
    labels = torch::tensor(values, torch::kLong);
  }
  if (labels.size(0) != count)
    throw UserError(fmt::format("--labels gives {} class{} for {} images; give one per image, in the order of --images",
                                labels.size(0), labels.size(0) == 1 ? "" : "es", count));
  const int64_t classes = run.generator->classes();
  for (int64_t i = 0; i < count; ++i)
    if (const int64_t c = labels[i].item<int64_t>(); c < 0 || c >= classes)
      throw UserError(fmt::format("--labels: image {} has class {}; this run's classes are 0..{}", i, c, classes - 1));
  return labels;
}

int invert(const LatentRequest& request) {
  if (request.images.empty()) throw UserError("gantry latent invert needs --images FILE.npy or FILE.png (repeatable)");
  if (request.starts < 1) throw UserError("--starts must be at least 1");
  if (request.iterations < 1) throw UserError("--iterations must be at least 1");
  // The search runs in float32: a larger number overflows it.
  const double largest = std::numeric_limits<float>::max();
  if (!(request.learningRate > 0 && request.learningRate <= largest))
    throw UserError(
        fmt::format("--lr must be positive and at most {:.3g} (float32), got {}", largest, request.learningRate));
  if (!(request.priorWeight >= 0 && request.priorWeight <= largest))
    throw UserError(fmt::format("--prior-weight must be at least 0 and at most {:.3g} (float32), got {}", largest,
                                request.priorWeight));
  auto run = openRun(request);
  auto targets = readTargets(run, request.images);
  requireFits(run, "--starts", static_cast<double>(request.starts) * static_cast<double>(targets.size(0)),
              /*images=*/true);
  eval::InversionOptions options;
  options.starts = request.starts;
  options.iterations = request.iterations;
  options.learningRate = request.learningRate;
  options.priorWeight = request.priorWeight;
  options.seed = static_cast<uint64_t>(request.seed);
  const auto prior = latentPrior(readSettings(run.config));
  const auto device = deviceOf(readSettings(run.config));
  auto labels = targetLabels(run, request, targets.size(0));
  if (labels.defined()) labels = labels.to(device);
  auto found = eval::invertGenerator(*run.generator, prior, targets.to(device), labels, options);
  // Targets in the top row, reconstructions below, up to 10 per row pair.
  const int64_t columns = std::min<int64_t>(10, targets.size(0));
  std::vector<torch::Tensor> rows;
  for (int64_t begin = 0; begin < targets.size(0); begin += columns) {
    auto t = targets.slice(0, begin, begin + columns), r = found.reconstructions.slice(0, begin, begin + columns);
    const int64_t pad = columns - t.size(0);
    auto blank = torch::ones({pad, t.size(1), t.size(2), t.size(3)});
    rows.push_back(torch::cat({t, blank, r, blank}));
  }
  io::writePng(request.out, io::makeGrid(torch::cat(rows), columns));
  io::writeNpy(beside(request.out, ".npy"), found.latents);
  std::vector<double> errors(found.errors.data_ptr<float>(), found.errors.data_ptr<float>() + found.errors.numel());
  std::vector<double> before(found.startErrors.data_ptr<float>(),
                             found.startErrors.data_ptr<float>() + found.startErrors.numel());
  nlohmann::json report = {{"images", targets.size(0)},  {"mse", errors},
                           {"mse_at_start", before},     {"mean_mse", found.errors.mean().item<double>()},
                           {"starts", request.starts},   {"iterations", request.iterations},
                           {"lr", request.learningRate}, {"prior_weight", request.priorWeight}};
  if (labels.defined()) {
    auto classes = labels.cpu().contiguous();
    report["labels"] = std::vector<int64_t>(classes.data_ptr<int64_t>(), classes.data_ptr<int64_t>() + classes.numel());
  }
  writeFileAtomic(beside(request.out, ".json"), report.dump(2) + "\n");
  std::cout << fmt::format(
      "{} images: mean squared error per pixel {:.4g} (best start before the search: {:.4g}); "
      "written {}, .npy (codes), .json\n",
      targets.size(0), found.errors.mean().item<double>(), found.startErrors.mean().item<double>(),
      request.out.string());
  return 0;
}

}  // namespace

int latent(const LatentRequest& request) {
  if (request.out.extension() != ".png")
    throw UserError(fmt::format("--out {} must end in .png (the .npy and .json go beside it)", request.out.string()));
  if (request.action == "interpolate") return interpolate(request);
  if (request.action == "arithmetic") return arithmetic(request);
  if (request.action == "invert") return invert(request);
  throw UserError(
      fmt::format("gantry latent: unknown action '{}'; choose interpolate, arithmetic or invert", request.action));
}

}  // namespace gantry::app
