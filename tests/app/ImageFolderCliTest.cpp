// Runs on an image folder (dataset = images) through the command line: what
// changes in the folder, or where the run lies against it, is one line.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "TestSupport.h"
#include "gantry/io/Npy.h"

namespace fs = std::filesystem;
using gantry::test::expectOneLineError;
using gantry::test::quoted;
using gantry::test::runGantry;
using gantry::test::TempDir;

namespace {

/// A small conditional MLP on the folder `images` (TestSupport's two
/// classes), read at 8 px grey: `extra` adds options.
std::string folderRun(const std::string& images, const std::string& extra) {
  return "train --preset mnist-mlp --quiet --set dataset=images --set data_dir=" + images +
         " --set image_size=8 --set grayscale=true --set batch_size=16 --set sample_every=0 --set eval_every=0 " +
         extra;
}

}  // namespace

TEST(ImageFolderCliTest, AResumeAfterTheFolderGainedAClassIsOneLine) {
  // The checkpoint's embeddings kept the old class count and the first new
  // label stopped the run with "internal error: index out of range in self".
  TempDir dir;
  gantry::test::writeImageFolder(dir / "images");
  const auto run = dir / "run";
  auto trained =
      runGantry(folderRun(quoted(dir / "images"), "--set conditional=concat --steps 2 --out " + quoted(run)));
  ASSERT_EQ(trained.exitCode, 0) << trained.err;
  fs::copy(dir / "images" / "dusk", dir / "images" / "extra");
  expectOneLineError(runGantry("train --quiet --resume " + quoted(run) + " --steps 4"),
                     "was trained on 2 classes, its data (data_dir = " + (dir / "images").string() + ") now has 3");
  // As it was, it goes on.
  fs::remove_all(dir / "images" / "extra");
  auto resumed = runGantry("train --quiet --resume " + quoted(run) + " --steps 4");
  EXPECT_EQ(resumed.exitCode, 0) << resumed.err;
}

TEST(ImageFolderCliTest, ARunFolderInsideTheImagesIsRefused) {
  // Its pictures became a class of the training data on resume.
  TempDir dir;
  gantry::test::writeImageFolder(dir / "images");
  expectOneLineError(runGantry(folderRun(quoted(dir / "images"), "--steps 2 --out " + quoted(dir / "images" / "run"))),
                     "lies inside the image folder");
  EXPECT_FALSE(fs::exists(dir / "images" / "run"));
  // Beside it is fine, a name that only starts alike too.
  auto beside = runGantry(folderRun(quoted(dir / "images"), "--steps 2 --out " + quoted(dir / "images-run")));
  EXPECT_EQ(beside.exitCode, 0) << beside.err;
}

TEST(ImageFolderCliTest, ARelativeDataDirResumesFromAnotherDirectory) {
  // data_dir was stored as given: resumed from elsewhere, "image folder
  // images not found".
  TempDir dir;
  gantry::test::writeImageFolder(dir / "images");
  const auto run = dir / "run";
  auto trained = gantry::test::runCommand("cd " + quoted(dir.path()) + " && " + std::string(GANTRY_BIN) + " " +
                                          folderRun("images", "--steps 2 --out run"));
  ASSERT_EQ(trained.exitCode, 0) << trained.err;
  EXPECT_NE(gantry::test::readFile(run / "config.toml").find("data_dir = '" + (dir / "images").string() + "'"),
            std::string::npos)
      << gantry::test::readFile(run / "config.toml");
  auto resumed = runGantry("train --quiet --resume " + quoted(run) + " --steps 4");
  EXPECT_EQ(resumed.exitCode, 0) << resumed.err;
}

TEST(ImageFolderCliTest, ADatasetSmallerThanAPackedStepNamesPack) {
  // It said "fewer than batch_size = 32" when batch_size was 16, pack 2.
  TempDir dir;
  gantry::test::writeImageFolder(dir / "images");
  fs::remove_all(dir / "images" / "dusk");
  for (int i = 20; i < 60; ++i) fs::remove(dir / "images" / "squares" / ("img" + std::to_string(i) + ".png"));
  expectOneLineError(
      runGantry(folderRun(quoted(dir / "images"), "--set pack=2 --steps 2 --out " + quoted(dir / "run"))),
      "the dataset has 20 samples, fewer than the 32 a step draws (batch_size, times pack");
}

TEST(ImageFolderCliTest, EvalOfSamplesAgainstAnImageFolderPointsToTheRun) {
  // --samples has no data_dir to give: it ended in a line naming the config
  // key data_dir, which gantry eval has no way to set.
  TempDir dir;
  gantry::io::writeNpy(dir / "s.npy", torch::zeros({4, 1, 8, 8}));
  expectOneLineError(runGantry("eval --samples " + quoted(dir / "s.npy") +
                               " --dataset images --metrics memorization --out " + quoted(dir / "e.json")),
                     "through the run that trained on it, with --run");
}
