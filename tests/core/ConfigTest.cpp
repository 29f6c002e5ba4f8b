#include "gantry/app/Settings.h"
#include "gantry/core/Config.h"
#include "gantry/core/Error.h"

#include <gtest/gtest.h>

#include "TestSupport.h"

using gantry::Config;
using gantry::UserError;

using gantry::test::userErrorOf;

TEST(ConfigTest, ParsesEachTypeFromText) {
  Config config(gantry::app::trainingSchema());
  config.setAssignment("steps=123", "--set");
  config.setAssignment("lr_g = 0.25", "--set");
  config.setAssignment("grayscale=false", "--set");
  config.setAssignment("g_hidden=1200, 1200,7", "--set");
  config.setAssignment("objective=minimax", "--set");
  EXPECT_EQ(config.getInt("steps"), 123);
  EXPECT_DOUBLE_EQ(config.getFloat("lr_g"), 0.25);
  EXPECT_FALSE(config.getBool("grayscale"));
  EXPECT_EQ(config.getIntList("g_hidden"), (std::vector<int64_t>{1200, 1200, 7}));
  EXPECT_EQ(config.getString("objective"), "minimax");
}

TEST(ConfigTest, ErrorsNameTheKeyAndWhatIsExpected) {
  Config config(gantry::app::trainingSchema());
  auto unknown = userErrorOf([&] { config.setAssignment("stpes=10", "--set"); });
  EXPECT_NE(unknown.find("unknown config key 'stpes'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("gantry keys"), std::string::npos) << unknown;
  auto wrongType = userErrorOf([&] { config.setAssignment("steps=ten", "--set"); });
  EXPECT_NE(wrongType.find("'steps'"), std::string::npos) << wrongType;
  EXPECT_NE(wrongType.find("integer"), std::string::npos) << wrongType;
  auto badChoice = userErrorOf([&] { config.setAssignment("objective=wasserstein", "--set"); });
  EXPECT_NE(badChoice.find("minimax | nonsaturating"), std::string::npos) << badChoice;
  auto belowMinimum = userErrorOf([&] { config.setAssignment("batch_size=0", "--set"); });
  EXPECT_NE(belowMinimum.find("at least 1"), std::string::npos) << belowMinimum;
  auto notAssignment = userErrorOf([&] { config.setAssignment("steps", "--set"); });
  EXPECT_NE(notAssignment.find("key=value"), std::string::npos) << notAssignment;
  // Nothing was changed by the failed assignments.
  EXPECT_EQ(config.getInt("steps"), std::get<int64_t>(gantry::app::trainingSchema().find("steps")->defaultValue));
}

TEST(ConfigTest, TomlRoundTripKeepsEveryValue) {
  Config config(gantry::app::trainingSchema());
  gantry::app::applyPreset(config, "mnist-mlp");
  config.setAssignment("lr_min=1e-6", "--set");
  config.setAssignment("data_dir=/tmp/some \"quoted\" dir", "--set");
  Config reread(gantry::app::trainingSchema());
  reread.mergeTomlString(config.toToml(), "round trip");
  EXPECT_EQ(reread.values(), config.values());
}

TEST(ConfigTest, TomlErrorsNameTheFileAndKey) {
  gantry::test::TempDir dir;
  Config config(gantry::app::trainingSchema());
  auto path = dir / "run.toml";
  gantry::test::writeFile(path, "steps = \"many\"\n");
  auto wrongType = userErrorOf([&] { config.mergeToml(path); });
  EXPECT_NE(wrongType.find(path.string()), std::string::npos) << wrongType;
  EXPECT_NE(wrongType.find("'steps'"), std::string::npos) << wrongType;
  gantry::test::writeFile(path, "steps = 10\nsteps 11\n");
  auto syntax = userErrorOf([&] { config.mergeToml(path); });
  EXPECT_NE(syntax.find(path.string()), std::string::npos) << syntax;
  EXPECT_NE(syntax.find("line 2"), std::string::npos) << syntax;
  auto missing = userErrorOf([&] { config.mergeToml(dir / "absent.toml"); });
  EXPECT_NE(missing.find("absent.toml"), std::string::npos) << missing;
  gantry::test::writeFile(path, "lr_g = 1\ng_hidden = [64, 32]\n");
  config.mergeToml(path);  // an integer is a valid float
  EXPECT_DOUBLE_EQ(config.getFloat("lr_g"), 1.0);
  EXPECT_EQ(config.getIntList("g_hidden"), (std::vector<int64_t>{64, 32}));
}

TEST(ConfigTest, PresetsResolveAndUnknownPresetListsChoices) {
  Config config(gantry::app::trainingSchema());
  gantry::app::applyPreset(config, "mnist-mlp");
  EXPECT_EQ(config.getIntList("d_hidden"), (std::vector<int64_t>{240, 240}));
  EXPECT_EQ(config.getString("d_activation"), "maxout");
  EXPECT_DOUBLE_EQ(config.getFloat("lr_decay"), 1.000004);
  auto message = userErrorOf([&] { gantry::app::applyPreset(config, "mnist-cnn"); });
  EXPECT_NE(message.find("unknown preset 'mnist-cnn'"), std::string::npos) << message;
  EXPECT_NE(message.find("ring8"), std::string::npos) << message;
}
