#include "gantry/models/StackedMlp.h"
#include "gantry/train/Trainer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

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
