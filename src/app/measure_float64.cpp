// One checkpoint's measurement with chains in float64 (measure_one.hpp).
#include <optional>

#include "measure_one.hpp"

namespace shortrun::cli::measure_detail {

CheckpointMeasurement measure_checkpoint_float64(const Plan& plan, const Vector& params, Index step) {
  std::optional<CheckpointMeasurement> out;
  families::with_model_types(plan.config, plan.data, &params, [&](auto family, const auto& model, const auto& sampler,
                                                                 const auto& p0) {
    out = measure_one<decltype(family), double>(plan, model, sampler, p0, step);
  });
  return std::move(*out);
}

}  // namespace shortrun::cli::measure_detail
