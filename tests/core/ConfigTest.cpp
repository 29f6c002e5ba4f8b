#include "gantry/app/Settings.h"
#include "gantry/core/Config.h"
#include "gantry/core/Error.h"

#include <gtest/gtest.h>

#include <set>

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
  EXPECT_NE(belowMinimum.find("must be in [1, 2147483647], got 0"), std::string::npos) << belowMinimum;
  auto notAssignment = userErrorOf([&] { config.setAssignment("steps", "--set"); });
  EXPECT_NE(notAssignment.find("key=value"), std::string::npos) << notAssignment;
  // Nothing was changed by the failed assignments.
  EXPECT_EQ(config.getInt("steps"), std::get<int64_t>(gantry::app::trainingSchema().find("steps")->defaultValue));
}

TEST(ConfigTest, AListWithAnEmptyEntryOrNoEntryIsRefusedNamingTheKey) {
  Config config(gantry::app::trainingSchema());
  const auto before = config.getIntList("g_hidden");
  for (const char* assignment : {"g_hidden=128,,128", "g_hidden=128,", "g_hidden=", "g_hidden= , "}) {
    auto message = userErrorOf([&] { config.setAssignment(assignment, "--set"); });
    EXPECT_NE(message.find("'g_hidden'"), std::string::npos) << assignment << ": " << message;
  }
  gantry::test::TempDir dir;
  gantry::test::writeFile(dir / "run.toml", "d_hidden = []\n");
  auto empty = userErrorOf([&] { config.mergeToml(dir / "run.toml"); });
  EXPECT_NE(empty.find("'d_hidden'"), std::string::npos) << empty;
  EXPECT_NE(empty.find("at least one entry"), std::string::npos) << empty;
  EXPECT_EQ(config.getIntList("g_hidden"), before);
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

TEST(ConfigTest, ThePaperPresetIsTheShortOneWithGaussianNoiseAndTheReleasedLength) {
  Config paper(gantry::app::trainingSchema()), mlp(gantry::app::trainingSchema());
  gantry::app::applyPreset(paper, "mnist-paper");
  gantry::app::applyPreset(mlp, "mnist-mlp");
  // The authors' Generator draws N(0, I) unless told otherwise, and
  // mnist.yaml does not tell it (adversarial/__init__.py).
  EXPECT_EQ(paper.getString("latent"), "normal");
  EXPECT_EQ(mlp.getString("latent"), "uniform");
  // 250 epochs of 50,000 images in batches of 100: the momentum ramp's end.
  EXPECT_EQ(paper.getInt("steps") * paper.getInt("batch_size"), 250 * 50000);
  EXPECT_EQ(paper.getInt("momentum_end"), 250);
  EXPECT_EQ(paper.getString("eval_metrics"), "parzen");
  EXPECT_EQ(paper.getInt("eval_samples"), 10000);  // the paper's protocol
  const std::set<std::string> schedule = {"preset",           "latent",     "steps",        "sample_every",
                                          "checkpoint_every", "eval_every", "eval_metrics", "eval_samples"};
  for (const auto& [key, value] : mlp.values())
    if (!schedule.count(key)) EXPECT_EQ(paper.get(key), value) << key;
}

TEST(ConfigTest, TheInfoganPresetIsDcganMnistWithACodeNoLabelsAndThePapersRate) {
  Config info(gantry::app::trainingSchema()), dcgan(gantry::app::trainingSchema());
  gantry::app::applyPreset(info, "infogan-mnist");
  gantry::app::applyPreset(dcgan, "dcgan-mnist");
  EXPECT_EQ(info.getString("conditional"), "acgan");
  EXPECT_FALSE(info.getBool("class_loss_d_real"));  // the data's labels never read
  EXPECT_TRUE(info.getBool("class_loss_d_fake"));
  EXPECT_EQ(info.getInt("class_embedding"), 10);
  // The paper's rate, where dcgan-mnist has eight times it (the FDs of both
  // are in docs/presets.md).
  EXPECT_DOUBLE_EQ(info.getFloat("lr_g"), 2e-4);
  EXPECT_DOUBLE_EQ(info.getFloat("lr_d"), 2e-4);
  EXPECT_DOUBLE_EQ(dcgan.getFloat("lr_g"), 1.6e-3);
  const std::set<std::string> code = {"preset", "conditional", "class_embedding", "class_loss_d_real", "steps",
                                      "lr_g",   "lr_d"};
  for (const auto& [key, value] : dcgan.values())
    if (!code.count(key)) EXPECT_EQ(info.get(key), value) << key;
}

TEST(ConfigTest, KeysHaveSectionsAndMayBeNamedWithOrWithoutThem) {
  Config config(gantry::app::trainingSchema());
  config.setAssignment("optimizer.lr_g=0.5", "--set");
  config.setAssignment("lr_d=0.25", "--set");
  EXPECT_DOUBLE_EQ(config.getFloat("lr_g"), 0.5);
  EXPECT_DOUBLE_EQ(config.getFloat("optimizer.lr_d"), 0.25);
  auto wrongSection = userErrorOf([&] { config.setAssignment("run.lr_g=1", "--set"); });
  EXPECT_NE(wrongSection.find("section [optimizer], not [run]"), std::string::npos) << wrongSection;
  // TOML: tables and flat keys (the config files of earlier versions) alike.
  config.mergeTomlString("seed = 7\n[optimizer]\nlr_g = 0.125\n[mlp]\ng_hidden = [8, 4]\n", "test.toml");
  EXPECT_EQ(config.getInt("seed"), 7);
  EXPECT_DOUBLE_EQ(config.getFloat("lr_g"), 0.125);
  EXPECT_EQ(config.getIntList("g_hidden"), (std::vector<int64_t>{8, 4}));
  auto misplaced = userErrorOf([&] { config.mergeTomlString("[run]\nlr_g = 1\n", "bad.toml"); });
  EXPECT_NE(misplaced.find("'lr_g' (bad.toml) belongs in section [optimizer]"), std::string::npos) << misplaced;
  // Written with one table per section: every key under its own.
  auto toml = config.toToml();
  EXPECT_LT(toml.find("[optimizer]"), toml.find("lr_g = "));
  EXPECT_LT(toml.find("[run]"), toml.find("seed = "));
  EXPECT_LT(toml.find("preset = "), toml.find("[run]")) << "keys without a section come first";
}

TEST(ConfigTest, RangesNameBothEndsAndWhetherTheyAreIncluded) {
  Config config(gantry::app::trainingSchema());
  auto keep = userErrorOf([&] { config.setAssignment("d_input_keep=0", "--set"); });
  EXPECT_NE(keep.find("in (0, 1]"), std::string::npos) << keep;
  config.setAssignment("d_input_keep=1", "--set");  // the closed end
  auto beta = userErrorOf([&] { config.setAssignment("adam_beta2=1", "--set"); });
  EXPECT_NE(beta.find("in [0, 1)"), std::string::npos) << beta;
  config.setAssignment("adam_beta2=0", "--set");  // the closed end
  EXPECT_DOUBLE_EQ(config.getFloat("adam_beta2"), 0.0);
}

TEST(ConfigTest, WhichKeysMayChangeOnResumeIsPartOfTheSchema) {
  for (const char* key :
       {"steps", "device", "log_every", "checkpoint_every", "data_dir", "eval_every", "lr_g", "lr_d", "lr_decay"})
    EXPECT_TRUE(gantry::app::isRunInvariantKey(key)) << key;
  for (const char* key : {"seed", "optimizer", "g_hidden", "objective", "update", "batch_size", "precision"})
    EXPECT_FALSE(gantry::app::isRunInvariantKey(key)) << key;
}

TEST(ConfigTest, ANumberListParsesFromTextAndTomlAndMayBeEmpty) {
  Config config(gantry::app::trainingSchema());
  EXPECT_TRUE(config.getFloatList("sweep_lr_d").empty());  // the default: no sweep
  config.setAssignment("sweep_lr_d=1e-4, 3e-4,0.001", "--set");
  EXPECT_EQ(config.getFloatList("sweep_lr_d"), (std::vector<double>{1e-4, 3e-4, 1e-3}));
  // TOML: floats and integers alike, a single number as a list of one, and
  // the empty array; written back, each reads as it was.
  config.mergeTomlString("[sweep]\nsweep_lr_d = [1, 2.5e-4]\nsweep_lr_g = 0.002\n", "sweep.toml");
  EXPECT_EQ(config.getFloatList("sweep_lr_d"), (std::vector<double>{1.0, 2.5e-4}));
  EXPECT_EQ(config.getFloatList("sweep_lr_g"), (std::vector<double>{0.002}));
  Config reread(gantry::app::trainingSchema());
  reread.mergeTomlString(config.toToml(), "round trip");
  EXPECT_EQ(reread.values(), config.values());
  config.mergeTomlString("[sweep]\nsweep_lr_d = []\n", "sweep.toml");
  EXPECT_TRUE(config.getFloatList("sweep_lr_d").empty());
  config.setAssignment("sweep_lr_g=", "--set");
  EXPECT_TRUE(config.getFloatList("sweep_lr_g").empty());
}

TEST(ConfigTest, AKeyGivenFlatAndInItsSectionIsRefused) {
  // TOML cannot see the two spellings as one key; which value won depended
  // on toml++'s order (the section's for lr_g, the flat one for seed).
  for (const char* text : {"lr_g = 0.001\n[optimizer]\nlr_g = 0.002\n", "seed = 7\n[run]\nseed = 5\n",
                           "optimizer.lr_g = 0.002\nlr_g = 0.001\n"}) {
    Config config(gantry::app::trainingSchema());
    auto message = userErrorOf([&] { config.mergeTomlString(text, "f.toml"); });
    EXPECT_NE(message.find("(f.toml) is given twice"), std::string::npos) << text << ": " << message;
  }
  Config config(gantry::app::trainingSchema());
  config.mergeTomlString("lr_g = 0.001\n[optimizer]\nlr_d = 0.002\n", "f.toml");
  EXPECT_DOUBLE_EQ(config.getFloat("lr_g"), 0.001);
  EXPECT_DOUBLE_EQ(config.getFloat("lr_d"), 0.002);
}

TEST(ConfigTest, ABadNumberListNamesTheKeyAndTheRange) {
  Config config(gantry::app::trainingSchema());
  for (const char* assignment :
       {"sweep_lr_d=1e-4,,3e-4", "sweep_lr_d=1e-4,", "sweep_lr_d=fast", "sweep_lr_d=1e-4,nan"}) {
    auto message = userErrorOf([&] { config.setAssignment(assignment, "--set"); });
    EXPECT_NE(message.find("'sweep_lr_d'"), std::string::npos) << assignment << ": " << message;
    EXPECT_NE(message.find("list of numbers"), std::string::npos) << assignment << ": " << message;
  }
  auto negative = userErrorOf([&] { config.setAssignment("sweep_lr_g=1e-4,-1e-4", "--set"); });
  EXPECT_NE(negative.find("entries must be finite numbers in [0, 3.4028234663852886e+38], got 0.0001,-0.0001"),
            std::string::npos)
      << negative;
  auto text = userErrorOf([&] { config.mergeTomlString("[sweep]\nsweep_lr_d = [1e-4, \"x\"]\n", "s.toml"); });
  EXPECT_NE(text.find("'sweep_lr_d' (s.toml) expects a comma-separated list of numbers"), std::string::npos) << text;
  EXPECT_TRUE(config.getFloatList("sweep_lr_d").empty());
}
