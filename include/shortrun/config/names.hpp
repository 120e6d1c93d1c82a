#pragma once
/// The one place where configuration names meet types. Every key whose value is one of a fixed set
/// of names (model.type, data.source, sampler.type, init.type, train.scheme, ...) is an enum; this
/// header holds, for each enum, the table of (value, name) pairs, and the two functions that use
/// it: parse_name() (text -> enum, BadInput naming the key and the allowed names) and name_of()
/// (enum -> the text written to INI files, run-file attributes and messages). Nothing else in the
/// project parses or compares these names.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "shortrun/config/enums.hpp"
#include "shortrun/core/error.hpp"

namespace shortrun {

/// Specialised for every configuration enum: `static constexpr std::array table` of
/// std::pair<E, const char*>, in the order the names are listed to users.
template <class E>
struct EnumNames;

#define SHORTRUN_ENUM_NAMES(E, ...)                                           \
  template <>                                                                 \
  struct EnumNames<E> {                                                       \
    static constexpr std::pair<E, const char*> kTable[] = {__VA_ARGS__};      \
  }

SHORTRUN_ENUM_NAMES(ModelType, {ModelType::gaussian, "gaussian"}, {ModelType::spins, "spins"},
                    {ModelType::bm, "bm"}, {ModelType::rbm, "rbm"}, {ModelType::convnet, "convnet"});
SHORTRUN_ENUM_NAMES(DataSource, {DataSource::gaussian, "gaussian"}, {DataSource::spins, "spins"},
                    {DataSource::ising, "ising"}, {DataSource::bars_stripes, "bars-stripes"},
                    {DataSource::idx, "idx"}, {DataSource::hdf5, "hdf5"},
                    {DataSource::fashion_mnist, "fashion-mnist"}, {DataSource::blobs, "blobs"});
SHORTRUN_ENUM_NAMES(SamplerType, {SamplerType::langevin, "langevin"}, {SamplerType::gibbs, "gibbs"},
                    {SamplerType::gibbs_random, "gibbs-random"}, {SamplerType::metropolis, "metropolis"},
                    {SamplerType::metropolis_random, "metropolis-random"},
                    {SamplerType::block_gibbs, "block-gibbs"});
SHORTRUN_ENUM_NAMES(P0Type, {P0Type::gaussian, "gaussian"}, {P0Type::zeros, "zeros"},
                    {P0Type::uniform, "uniform"}, {P0Type::data_mean, "data-mean"});
SHORTRUN_ENUM_NAMES(Scheme, {Scheme::rdm, "rdm"}, {Scheme::cd, "cd"}, {Scheme::pcd, "pcd"},
                    {Scheme::exact, "exact"});
SHORTRUN_ENUM_NAMES(Precision, {Precision::float64, "float64"}, {Precision::float32, "float32"});
SHORTRUN_ENUM_NAMES(OptimizerType, {OptimizerType::sgd, "sgd"}, {OptimizerType::adam, "adam"});
SHORTRUN_ENUM_NAMES(Spin, {Spin::pm1, "pm1"}, {Spin::zero_one, "01"});
SHORTRUN_ENUM_NAMES(conv::Activation, {conv::Activation::silu, "silu"},
                    {conv::Activation::leaky_relu, "leaky-relu"});
SHORTRUN_ENUM_NAMES(IsingGraph, {IsingGraph::curie_weiss, "curie-weiss"}, {IsingGraph::square, "2d"},
                    {IsingGraph::sk, "sk"});
SHORTRUN_ENUM_NAMES(MomentsMode, {MomentsMode::sampled, "sampled"}, {MomentsMode::exact, "exact"});
SHORTRUN_ENUM_NAMES(MeasureMoments, {MeasureMoments::automatic, "auto"}, {MeasureMoments::sampled, "sampled"},
                    {MeasureMoments::exact, "exact"});
SHORTRUN_ENUM_NAMES(EquilibriumMethod, {EquilibriumMethod::automatic, "auto"},
                    {EquilibriumMethod::theory, "theory"}, {EquilibriumMethod::exact, "exact"},
                    {EquilibriumMethod::long_run, "long-run"}, {EquilibriumMethod::pt, "pt"},
                    {EquilibriumMethod::ptt, "ptt"}, {EquilibriumMethod::none, "none"});
SHORTRUN_ENUM_NAMES(MeasureAt, {MeasureAt::last, "last"}, {MeasureAt::all, "all"});
SHORTRUN_ENUM_NAMES(RunStatus, {RunStatus::running, "running"}, {RunStatus::completed, "completed"},
                    {RunStatus::diverged, "diverged"}, {RunStatus::interrupted, "interrupted"},
                    {RunStatus::failed, "failed"}, {RunStatus::pending, "pending"});

#undef SHORTRUN_ENUM_NAMES

template <class E>
concept NamedEnum = requires { EnumNames<E>::kTable; };

/// The configuration text of `value`.
template <NamedEnum E>
constexpr const char* name_of(E value) {
  for (const auto& [v, name] : EnumNames<E>::kTable)
    if (v == value) return name;
  return "?";
}

/// "a, b, c": every name of E, or of the values listed.
template <NamedEnum E>
std::string names_list() {
  std::string out;
  for (const auto& [v, name] : EnumNames<E>::kTable) out += (out.empty() ? "" : ", ") + std::string(name);
  return out;
}
template <NamedEnum E, std::size_t N>
std::string names_list(const std::array<E, N>& values) {
  std::string out;
  for (E v : values) out += (out.empty() ? "" : ", ") + std::string(name_of(v));
  return out;
}

/// The value named `text`, or nullopt.
template <NamedEnum E>
std::optional<E> find_name(std::string_view text) {
  for (const auto& [v, name] : EnumNames<E>::kTable)
    if (text == name) return v;
  return std::nullopt;
}

/// The value named `text`; BadInput "key: expected one of ..., got 'text'" otherwise.
template <NamedEnum E>
E parse_name(const std::string& key, const std::string& text) {
  if (const auto v = find_name<E>(text)) return *v;
  throw BadInput(key + ": expected one of " + names_list<E>() + ", got '" + text + "'");
}

/// BadInput "key: expected one of <allowed>, got '<value>'" unless value is one of `allowed`.
template <NamedEnum E, std::size_t N>
void expect_one_of(const std::string& key, E value, const std::array<E, N>& allowed,
                   const std::string& why = "") {
  for (E a : allowed)
    if (a == value) return;
  throw BadInput(key + ": expected one of " + names_list(allowed) + (why.empty() ? "" : " " + why) + ", got '" +
                 name_of(value) + "'");
}

}  // namespace shortrun
