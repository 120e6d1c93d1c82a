#pragma once
/// Closed forms for the Gaussian EBM E(x) = 1/2 x^T J x - h^T x sampled with unadjusted Langevin
/// (ULA) x <- x - eta (J x - h) + sqrt(2 eta T) xi (docs/theory.md section 2; Agoritsas et al. 2023).
/// Per eigenmode alpha of J with eigenvalue J_a, a = 1 - eta J_a.
#include "shortrun/core/types.hpp"
#include "shortrun/data/dataset.hpp"

namespace shortrun::gaussian_theory {

struct Ula {
  double step = 0.05;         ///< eta
  double temperature = 1.0;   ///< T
};

/// sum_{s<t} a^s with a = 1 - eta_j (= t when a = 1); accurate near a = 1.
double geometric_sum(double eta_j, double t);
/// sum_{s<t} a^{2s} with a = 1 - eta_j (= t when a^2 = 1).
double geometric_sum_sq(double eta_j, double t);

/// v(t; J) = a^{2t} sigma0^2 + 2 eta T (1 - a^{2t}) / (1 - a^2): variance of one mode after t steps
/// from N(0, sigma0^2).
double mode_variance(double j, double t, double sigma0, const Ula& ula);

/// v(inf; J) = T / (J (1 - eta J / 2)) for 0 < J < 2/eta; +infinity otherwise (no equilibrium).
double stationary_variance(double j, const Ula& ula);

/// J*_alpha: the root on J < 1/eta of v(k; J) = c (equation F1), by bisection to machine
/// precision. Throws std::domain_error when no root exists: c <= 2 eta T, or sigma0 = 0 with
/// k = 1 (one step from x = 0 gives variance 2 eta T whatever J).
double j_star(double c, double k, double sigma0, const Ula& ula);

/// J^eq_alpha = (1 - sqrt(1 - 2 eta T / c)) / eta: the fixed point of cd, pcd and k -> inf (ULA's
/// stationary variance equals c). Throws std::domain_error when c < 2 eta T.
double j_eq(double c, const Ula& ula);

/// J^ML_alpha = T / c: the fixed point of exact (Boltzmann) model averages.
inline double j_ml(double c, const Ula& ula) { return ula.temperature / c; }

/// First and second (connected) moments of a Gaussian law.
struct Moments {
  Vector mean;
  Matrix cov;
};

/// Exact moments after t ULA steps started from `start` (any mean and covariance):
///   mu_t = A^t mu_0 + eta sum_{s<t} A^s h,  Sigma_t = A^t Sigma_0 A^t + 2 eta T sum_{s<t} A^{2s},
/// computed in J's eigenbasis (J symmetric), so the cost does not grow with t.
Moments propagate(const Matrix& J, const Vector& h, const Moments& start, double t, const Ula& ula);

/// Stationary ULA moments (t -> inf); entries are +inf where a mode has |a| >= 1.
Moments stationary(const Matrix& J, const Vector& h, const Ula& ula);

/// Boltzmann moments at temperature T: mean J^-1 h, cov T J^-1 (J positive definite).
Moments boltzmann(const Matrix& J, const Vector& h, const Ula& ula);

/// Fixed points of training on data with mean mu_D and covariance C = U diag(c) U^T.
struct FixedPoints {
  Vector c;         ///< data covariance eigenvalues, ascending, (N)
  Matrix basis;     ///< U: data covariance eigenvectors as columns, (N x N)
  Vector j_star;    ///< rdm-k fixed point per mode (NaN where F1 has no root)
  Vector j_eq;      ///< cd / pcd / k -> inf fixed point per mode (NaN where c < 2 eta T)
  Vector j_ml;      ///< exact-gradient (Boltzmann) fixed point per mode
  Matrix J_star;    ///< U diag(j_star) U^T
  Vector h_star;    ///< J* (I - A*^k)^-1 mu_D  (p0 mean 0)
};

FixedPoints fixed_points(const Dataset& data, double k, double sigma0, const Ula& ula);

}  // namespace shortrun::gaussian_theory
