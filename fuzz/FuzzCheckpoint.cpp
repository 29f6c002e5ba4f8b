// libFuzzer target: the checkpoint loader (gantry::train::CheckpointReader),
// as `gantry sample`, `eval` and `train --resume` use it, into the models of
// the preset gaussian1d.
//
// Each input is read twice. First as it is: a mutation almost always breaks
// a record's CRC-32, so this exercises the integrity check (libzip) and the
// zip structure. Then, when libzip can open it, with its records copied into
// a new archive whose CRCs are right again: the mutated bytes reach
// LibTorch's reader (the pickled structure and the tensors) as a file that
// was written corrupt, not corrupted afterwards, would.
#include "FuzzSupport.h"

#include "gantry/app/RunSetup.h"
#include "gantry/app/Settings.h"
#include "gantry/core/Config.h"
#include "gantry/train/Checkpoint.h"

#include <zip.h>

#include <cstring>
#include <memory>

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
  for (zip_int64_t i = 0; i < records; ++i) {
    const char* name = zip_get_name(in, static_cast<zip_uint64_t>(i), ZIP_FL_ENC_RAW);
    zip_file_t* file = zip_fopen_index(in, static_cast<zip_uint64_t>(i), 0);
    if (!name || !file) {
      if (file) zip_fclose(file);
      continue;
    }
    std::string bytes;
    char chunk[4096];
    zip_int64_t n = 0;
    while (bytes.size() < (size_t{16} << 20) && (n = zip_fread(file, chunk, sizeof chunk)) > 0) bytes.append(chunk, n);
    zip_fclose(file);
    void* copy = std::malloc(bytes.size() + 1);
    std::memcpy(copy, bytes.data(), bytes.size());
    zip_source_t* record = zip_source_buffer(out, copy, bytes.size(), 1);
    if (!record) {
      std::free(copy);
      continue;
    }
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
  static const auto raw = gantry::fuzz::scratchFile("checkpoint.pt");
  static const auto rezipped = gantry::fuzz::scratchFile("rezipped.pt");
  gantry::fuzz::writeBytes(raw, data, size);
  readAll(raw);
  if (rezip(data, size, rezipped)) readAll(rezipped);
  return 0;
}
