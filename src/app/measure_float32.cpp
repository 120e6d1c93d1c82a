// One checkpoint's measurement with chains in float32 (measure_one.hpp).
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "measure_one.hpp"

namespace shortrun::cli::measure_detail {

CheckpointMeasurement measure_checkpoint_float32(const Plan& plan, const Vector& params, Index step) {
  std::optional<CheckpointMeasurement> out;
  families::with_model_types(plan.config, plan.data, &params, [&](auto family, const auto& model, const auto& sampler,
                                                                 const auto& p0) {
    if constexpr (HasWorkingPrecision<std::remove_cvref_t<decltype(model)>, float>)
      out = measure_one<decltype(family), float>(plan, model, sampler, p0, step);
    else
      throw std::logic_error("model.precision = float32 for a model without a float32 working copy");
  });
  return std::move(*out);
}

}  // namespace shortrun::cli::measure_detail
