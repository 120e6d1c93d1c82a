#include "shortrun/families/composition.hpp"

#include <limits>

namespace shortrun::families {

void resolve_defaults(RunConfig& c) {
  if (c.model_type) with_family(c.model(), [&](auto family) { decltype(family)::resolve_defaults(c); });
}

void resolve_and_validate(RunConfig& c) {
  if (!c.model_type) c.validate_common();  // names the missing model.type
  with_family(c.model(), [&](auto family) {
    decltype(family)::resolve_defaults(c);
    c.validate_common();
    decltype(family)::validate(c);
  });
}

Dataset make_data(const RunConfig& c) {
  return with_family(c.model(), [&](auto family) {
    Dataset data = decltype(family)::make_data(c);
    decltype(family)::check_measurement(c, data.dim());
    return data;
  });
}

Layout model_layout(const RunConfig& c, const Dataset& data) {
  return with_model_types(c, data, nullptr, [](auto, const auto& model, const auto&, const auto&) {
    return model.layout();
  });
}

std::optional<TheoryTables> theory_tables(const RunConfig& c, const Dataset& data, const Vector* params) {
  return with_family(c.model(), [&](auto family) { return decltype(family)::theory(c, data, params); });
}

std::string theory_table(const RunConfig& c, const Dataset& data) {
  return with_family(c.model(), [&](auto family) { return decltype(family)::theory_table(c, data); });
}

std::string summary_table(const RunConfig& c, const Dataset& data, const Vector& params, double* gap) {
  if (gap != nullptr) *gap = std::numeric_limits<double>::quiet_NaN();
  return with_family(c.model(), [&](auto family) { return decltype(family)::summary(c, data, params, gap); });
}

}  // namespace shortrun::families
