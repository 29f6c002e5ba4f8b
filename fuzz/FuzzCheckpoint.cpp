// libFuzzer target: the checkpoint loader (gantry::train::CheckpointReader),
// as `gantry sample`, `eval` and `train --resume` use it, into the models of
// the preset gaussian1d.
//
// Two targets from this file. `checkpoint` reads each input as it is: what
// bit rot and cut-short writes can do. A mutation almost always breaks a
// record's CRC-32, so this exercises the integrity check (libzip) and the
// zip structure around it. `checkpoint-crafted` (GANTRY_FUZZ_CRAFTED)
// copies the input's records into a new zip whose CRC-32s are right again,
// so that the mutated bytes reach LibTorch's reader: a file written corrupt
// on purpose. LibTorch 1.13's TorchScript importer crashes on some of those
// (docs/reliability.md), so that target is not among scripts/fuzz's defaults.
#include "FuzzSupport.h"

#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/Config.h"
#include "gantry/train/Checkpoint.h"

#include <zip.h>

#include <list>
#include <memory>
#include <string>

namespace {

gantry::train::Trainer& trainer() {
  static const std::unique_ptr<gantry::train::Trainer> trainer = [] {
    gantry::Config config(gantry::app::trainingSchema());
    gantry::app::applyPreset(config, "gaussian1d");
    config.setText("threads", "1", "fuzz");
    return gantry::app::buildTrainer(config);
  }();
  return *trainer;
}

void readAll(const std::filesystem::path& path) {
  // As sample and eval read it, then as resume does (each opens it anew).
  gantry::fuzz::expectReadOrUserError([&] {
    gantry::train::CheckpointReader checkpoint(path);
    gantry::Config stored(gantry::app::trainingSchema());
    stored.mergeTomlString(checkpoint.config(), path.string());
    (void)checkpoint.generatorClasses();
    checkpoint.readGenerator(trainer().generator());
  });
  gantry::fuzz::expectReadOrUserError([&] { gantry::train::CheckpointReader(path).restore(trainer()); });
}

/// Copies every record of the zip in `data` (its contents as far as they
/// read, CRC unchecked) into a new archive at `path`, stored, which libzip
/// writes with fresh CRCs.
/// False when libzip cannot open the input as a zip.
bool rezip(const uint8_t* data, size_t size, const std::filesystem::path& path) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(data, size, 0, &error);
  zip_t* in = source ? zip_open_from_source(source, ZIP_RDONLY, &error) : nullptr;
  zip_error_fini(&error);
  if (!in) {
    if (source) zip_source_free(source);
    return false;
  }
  int code = 0;
  zip_t* out = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &code);
  const zip_int64_t records = out ? zip_get_num_entries(in, 0) : 0;
  std::list<std::string> contents;  // alive until zip_close has written them
  for (zip_int64_t i = 0; i < records; ++i) {
    const char* name = zip_get_name(in, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
    zip_file_t* file = zip_fopen_index(in, static_cast<zip_uint64_t>(i), 0);
    if (!name || !file) {
      if (file) zip_fclose(file);
      continue;
    }
    auto& bytes = contents.emplace_back();
    char chunk[4096];
    zip_int64_t n = 0;
    while (bytes.size() < (size_t{16} << 20) && (n = zip_fread(file, chunk, sizeof chunk)) > 0) bytes.append(chunk, n);
    zip_fclose(file);
    zip_source_t* record = zip_source_buffer(out, bytes.data(), bytes.size(), 0);
    if (!record) continue;
    const zip_int64_t index = zip_file_add(out, name, record, ZIP_FL_OVERWRITE | ZIP_FL_ENC_RAW);
    if (index < 0) {
      zip_source_free(record);
      continue;
    }
    zip_set_file_compression(out, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  }
  zip_discard(in);
  if (out && zip_close(out) != 0) {
    zip_discard(out);
    return false;
  }
  return out != nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
#ifndef GANTRY_FUZZ_CRAFTED
  static const auto raw = gantry::fuzz::scratchFile("checkpoint.pt");
  gantry::fuzz::writeBytes(raw, data, size);
  readAll(raw);
#else
  static const auto rezipped = gantry::fuzz::scratchFile("rezipped.pt");
  if (rezip(data, size, rezipped)) readAll(rezipped);
#endif
  return 0;
}
