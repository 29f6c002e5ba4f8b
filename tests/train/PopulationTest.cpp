#include "gantry/models/StackedMlp.h"
#include "gantry/train/Trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <sstream>

#include "TestSupport.h"

namespace {

using gantry::test::trainerOfPreset;

std::vector<torch::Tensor> discriminatorMember(gantry::train::Trainer& trainer, int64_t n) {
  auto& stacked = dynamic_cast<gantry::models::StackedMlpDiscriminator&>(trainer.discriminator());
  return stacked.member(n)->parameters();
}

void train(gantry::train::Trainer& trainer, int64_t steps) {
  for (int64_t i = 0; i < steps; ++i) trainer.step();
}

/// Member n of a population of `members` from seed 3 against the run of
/// seed 3 + n, after `steps` steps: the same players bit for bit.
void expectMembersAreTheirSeedsRuns(int64_t members, int64_t steps, const std::vector<std::string>& settings) {
  auto assignments = settings;
  assignments.push_back("seed=3");
  assignments.push_back("population=" + std::to_string(members));
  auto population = trainerOfPreset("ring8", assignments);
  ASSERT_EQ(population->generator().members(), members);
  train(*population, steps);
  for (int64_t n = 0; n < members; ++n) {
    auto single = settings;
    single.push_back("seed=" + std::to_string(3 + n));
    auto run = trainerOfPreset("ring8", single);
    train(*run, steps);
    SCOPED_TRACE("member " + std::to_string(n));
    gantry::test::expectIdenticalTensors(population->generator().member(n)->parameters(),
                                         run->generator().parameters());
    gantry::test::expectIdenticalTensors(discriminatorMember(*population, n), run->discriminator().parameters());
  }
}

}  // namespace

TEST(PopulationTest, EachMemberTrainsAsTheRunOfItsOwnSeedBitForBit) {
  // Its own initial weights, data, codes and gradients: alternating steps
  // with Adam (ring8's preset) and with SGD, simultaneous steps. Every core
  // of the machine (ctest gives each test one): on two or more, the
  // members' products run in two halves on two threads, and the single
  // runs' passes overlap as theirs do.
  gantry::test::ScopedEnv machine("OMP_NUM_THREADS", nullptr);
  expectMembersAreTheirSeedsRuns(4, 30, {});
  expectMembersAreTheirSeedsRuns(2, 20, {"optimizer=sgd", "lr_g=0.01", "lr_d=0.01", "update=simultaneous"});
}

TEST(PopulationTest, InstanceNoiseIsDrawnFromEachMembersStream) {
  expectMembersAreTheirSeedsRuns(2, 20, {"instance_noise=0.1", "instance_noise_anneal=100"});
}

TEST(PopulationTest, ACheckpointResumesThePopulationExactly) {
  const std::vector<std::string> settings = {"population=3", "seed=5"};
  auto straight = trainerOfPreset("ring8", settings);
  train(*straight, 30);

  auto first = trainerOfPreset("ring8", settings);
  train(*first, 20);
  std::stringstream bytes;
  {
    torch::serialize::OutputArchive archive;
    first->save(archive);
    archive.save_to(bytes);
  }
  torch::manual_seed(999);  // whatever the process drew since, the checkpoint decides
  auto resumed = trainerOfPreset("ring8", settings);
  {
    torch::serialize::InputArchive archive;
    archive.load_from(bytes);
    resumed->load(archive);
  }
  train(*resumed, 10);
  gantry::test::expectIdenticalTensors(resumed->generator().parameters(), straight->generator().parameters());
  gantry::test::expectIdenticalTensors(resumed->discriminator().parameters(), straight->discriminator().parameters());
}

namespace {

/// The largest |a - b| over a player's parameters, relative to the largest |b|.
double relativeDifference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double difference = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    difference = std::max(difference, (a[i] - b[i]).abs().max().item<double>());
    scale = std::max(scale, b[i].abs().max().item<double>());
  }
  return difference / scale;
}

/// A sweep of `rates` for `key` (sweep_lr_d or sweep_lr_g) over two seeds:
/// member n trains rate n mod C from seed 3 + n / C. With Adam and SGD
/// (`exact`) every member equals its single run bit for bit. With RMSprop,
/// members at the largest rate step as the optimizer does and equal their
/// single runs bit for bit; the others agree with theirs to rounding after
/// `steps` steps
/// (toy games are chaotic: rounding grows about e-fold every 12 steps, so
/// no more than a few). Either way, a member at a smaller rate is further
/// from the run of the largest rate by far more than rounding.
void expectSweepMembersAreTheirSettingsRuns(const std::string& key, const std::vector<std::string>& rates,
                                            int64_t steps, const std::vector<std::string>& settings, bool exact) {
  const auto count = static_cast<int64_t>(rates.size());
  std::string list;
  for (const auto& rate : rates) list += (list.empty() ? "" : ",") + rate;
  auto assignments = settings;
  assignments.push_back("seed=3");
  assignments.push_back("population=" + std::to_string(2 * count));
  assignments.push_back("sweep_" + key + "=" + list);
  auto population = trainerOfPreset("ring8", assignments);
  train(*population, steps);
  for (int64_t n = 0; n < 2 * count; ++n) {
    auto runAt = [&](const std::string& rate) {
      auto single = settings;
      single.push_back("seed=" + std::to_string(3 + n / count));
      single.push_back(key + "=" + rate);
      auto run = trainerOfPreset("ring8", single);
      train(*run, steps);
      return run;
    };
    SCOPED_TRACE("member " + std::to_string(n));
    auto own = runAt(rates[static_cast<size_t>(n % count)]);
    const auto g = population->generator().member(n)->parameters();
    const auto d = discriminatorMember(*population, n);
    if (exact || n % count == count - 1) {  // Adam, or the largest rate (last in the list)
      gantry::test::expectIdenticalTensors(g, own->generator().parameters());
      gantry::test::expectIdenticalTensors(d, own->discriminator().parameters());
      if (n % count == count - 1) continue;
    }
    auto largest = runAt(rates.back());
    const double rounding = std::max(relativeDifference(g, own->generator().parameters()),
                                     relativeDifference(d, own->discriminator().parameters()));
    const double apart = std::max(relativeDifference(g, largest->generator().parameters()),
                                  relativeDifference(d, largest->discriminator().parameters()));
    // Measured with Haswell's kernels, SGD rescaled after 10 steps: at most
    // 5.3e-9 against 0.0026 apart (Adam: 0 against 0.027).
    EXPECT_LT(rounding, 1e-5);
    EXPECT_GT(apart, std::max(1e-3, 1000 * rounding));
  }
}

}  // namespace

TEST(PopulationTest, ASweepsMembersTrainAtTheirSettingsRates) {
  expectSweepMembersAreTheirSettingsRuns("lr_d", {"2e-4", "5e-4", "1e-3"}, 10, {}, /*exact=*/true);
  expectSweepMembersAreTheirSettingsRuns("lr_g", {"0.002", "0.01"}, 10,
                                         {"optimizer=sgd", "momentum=0.9", "lr_d=0.01", "update=simultaneous"},
                                         /*exact=*/true);
  expectSweepMembersAreTheirSettingsRuns("lr_d", {"3e-4", "1e-3"}, 10, {"optimizer=rmsprop", "lr_g=1e-3"},
                                         /*exact=*/false);
}
