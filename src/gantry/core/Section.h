#pragma once

#include "gantry/core/Config.h"

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace gantry {

/// The values a number may take: [minimum, maximum], either end open.
struct Range {
  double minimum = -1e300;
  double maximum = 1e300;
  bool minimumExclusive = false;
  bool maximumExclusive = false;

  /// The largest count or size an integer key takes unless its range says
  /// otherwise: 2^31 - 1, so that a product of two fits in 64 bits (a
  /// latent_dim of 2^63 - 1 overflowed LibTorch's size arithmetic).
  static constexpr double kMaxCount = 2147483647.0;

  static Range atLeast(double v) { return {v, 1e300, false, false}; }
  static Range greaterThan(double v) { return {v, 1e300, true, false}; }
  /// [lo, hi], [lo, hi) and (lo, hi].
  static Range closed(double lo, double hi) { return {lo, hi, false, false}; }
  static Range rightOpen(double lo, double hi) { return {lo, hi, false, true}; }
  static Range leftOpen(double lo, double hi) { return {lo, hi, true, false}; }
};

/// A section of config keys bound to the fields of a typed record: each
/// key's name, type, range, help and section are written once, its default
/// is the field's own initialiser, and the record is read from a Config
/// without repeating a key's name. A section lives beside the code that
/// uses it (the optimizers' in train/, a model family's with the family), and
/// the program's schema is the sections put together.
///
///   struct OptimizerSettings { std::string optimizer = "adam"; double lr_g = 2e-4; };
///   const Section<OptimizerSettings>& optimizerSection() {
///     static const auto section = Section<OptimizerSettings>("optimizer")
///         .text("optimizer", &OptimizerSettings::optimizer, "optimizer of both players", {"sgd", "adam"})
///         .number("lr_g", &OptimizerSettings::lr_g, "generator learning rate", Range::atLeast(0));
///     return section;
///   }
///   OptimizerSettings settings = optimizerSection().read(config);
template <typename Record>
class Section {
 public:
  explicit Section(std::string name) : name_(std::move(name)) {}

  /// An integer in `range`, at most Range::kMaxCount unless the range has
  /// its own maximum.
  Section& integer(std::string key, int64_t Record::*field, std::string help, Range range = {}) {
    return bind(std::move(key), ConfigType::Int, field, std::move(help), {}, bounded(range));
  }
  Section& number(std::string key, double Record::*field, std::string help, Range range = {}) {
    return bind(std::move(key), ConfigType::Float, field, std::move(help), {}, range);
  }
  Section& flag(std::string key, bool Record::*field, std::string help) {
    return bind(std::move(key), ConfigType::Bool, field, std::move(help), {}, {});
  }
  /// A string; with choices, only those.
  Section& text(std::string key, std::string Record::*field, std::string help, std::vector<std::string> choices = {}) {
    return bind(std::move(key), ConfigType::String, field, std::move(help), std::move(choices), {});
  }
  /// A list of integers, each in `range` (at most Range::kMaxCount unless
  /// the range has its own maximum).
  Section& list(std::string key, std::vector<int64_t> Record::*field, std::string help, Range range = {}) {
    return bind(std::move(key), ConfigType::IntList, field, std::move(help), {}, bounded(range));
  }
  /// A list of numbers, each in `range`; the empty list is allowed (the
  /// key's "none").
  Section& numbers(std::string key, std::vector<double> Record::*field, std::string help, Range range = {}) {
    return bind(std::move(key), ConfigType::FloatList, field, std::move(help), {}, range);
  }
  /// The key added last may differ between a checkpoint and the run that
  /// resumes or samples from it.
  Section& resumable() {
    keys_.back().resumable = true;
    return *this;
  }

  const std::string& name() const { return name_; }
  const std::vector<ConfigKey>& keys() const { return keys_; }
  void addTo(ConfigSchema& schema) const {
    for (const auto& key : keys_) schema.add(key);
  }
  /// The record with every bound field read from `config`.
  Record read(const Config& config) const {
    Record record;
    for (size_t i = 0; i < keys_.size(); ++i) assign_[i](record, config.get(keys_[i].name));
    return record;
  }

 private:
  static Range bounded(Range range) {
    if (range.maximum >= 1e300) range.maximum = Range::kMaxCount;
    return range;
  }

  template <typename T>
  Section& bind(std::string key, ConfigType type, T Record::*field, std::string help, std::vector<std::string> choices,
                Range range) {
    ConfigKey entry;
    entry.name = std::move(key);
    entry.type = type;
    entry.defaultValue = ConfigValue(Record{}.*field);
    entry.help = std::move(help);
    entry.choices = std::move(choices);
    entry.minimum = range.minimum;
    entry.maximum = range.maximum;
    entry.minimumExclusive = range.minimumExclusive;
    entry.maximumExclusive = range.maximumExclusive;
    entry.section = name_;
    keys_.push_back(std::move(entry));
    assign_.push_back([field](Record& record, const ConfigValue& value) { record.*field = std::get<T>(value); });
    return *this;
  }

  std::string name_;
  std::vector<ConfigKey> keys_;
  std::vector<std::function<void(Record&, const ConfigValue&)>> assign_;
};

}  // namespace gantry
