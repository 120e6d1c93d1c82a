// libFuzzer target: the resume-state reader and its checks (io/resume_file.cpp). Random bytes as an
// HDF5 file would mostly exercise libhdf5's own parser; instead the input drives the writing of a
// well-formed HDF5 file of arbitrary layout (which attributes, groups and datasets exist, their
// names, types and shapes, and values), read back with read_resume_state and checked with
// check_resume_state. Byte 0, bit 0: write a valid schema header first.
// Accepted outcomes: a state, BadInput or h5::Error. Anything else is a bug.
#include <hdf5.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "shortrun/core/error.hpp"
#include "shortrun/io/resume_file.hpp"

namespace {

struct Input {
  const std::uint8_t* p;
  std::size_t n;
  std::uint8_t byte() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::int64_t integer() {
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | byte();
    return static_cast<std::int64_t>(bits);
  }
  double number() {
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | byte();
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
};

const char* const kNames[] = {"schema", "schema_version", "config", "step", "elapsed_s", "written",
                              "params", "log/step", "log/wall_s", "log/grad_norm", "log/param_norm",
                              "checkpoints/0", "checkpoints/5", "checkpoints/x", "checkpoints/-1",
                              "estimator/chains", "estimator/split:chains", "optimizer/m", "optimizer/v",
                              "optimizer/velocity", "optimizer/steps", "estimator/mean", "log", "checkpoints",
                              "estimator", "optimizer", "checkpoints/99999999999999999999"};
constexpr int kNameCount = sizeof kNames / sizeof kNames[0];

hid_t link_plist() {
  const hid_t l = H5Pcreate(H5P_LINK_CREATE);
  H5Pset_create_intermediate_group(l, 1);
  return l;
}

void write_attr(hid_t obj, const char* name, Input& in) {
  const int type = in.byte() % 4;
  const hsize_t n = in.byte() % 3 == 0 ? 2 : 1;  // sometimes an array where one value is expected
  const hid_t space = n == 1 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr);
  H5Adelete(obj, name);
  if (type == 0 || type == 1) {
    const std::int64_t v[2] = {in.integer(), type == 0 ? 2 : -1};
    const hid_t a = H5Acreate2(obj, name, H5T_NATIVE_INT64, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) H5Awrite(a, H5T_NATIVE_INT64, v), H5Aclose(a);
  } else if (type == 2) {
    const double v[2] = {in.number(), in.number()};
    const hid_t a = H5Acreate2(obj, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) H5Awrite(a, H5T_NATIVE_DOUBLE, v), H5Aclose(a);
  } else {
    std::string text;
    for (int len = in.byte() % 24; len > 0; --len) text += static_cast<char>(in.byte());
    if (in.byte() % 2 == 0) text = "shortrun.resume";
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    const char* v[2] = {text.c_str(), text.c_str()};
    const hid_t a = H5Acreate2(obj, name, t, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a >= 0) H5Awrite(a, t, v), H5Aclose(a);
    H5Tclose(t);
  }
  H5Sclose(space);
}

void write_dataset(hid_t file, const char* name, Input& in) {
  const int rank = in.byte() % 3;
  hsize_t dims[2] = {static_cast<hsize_t>(in.byte() % 20), static_cast<hsize_t>(in.byte() % 5)};
  const hid_t space = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, nullptr);
  const hsize_t count = rank == 0 ? 1 : rank == 1 ? dims[0] : dims[0] * dims[1];
  const int type = in.byte() % 3;
  const hid_t lcpl = link_plist();
  if (H5Lexists(file, name, H5P_DEFAULT) > 0) H5Ldelete(file, name, H5P_DEFAULT);
  if (type == 2) {  // strings where numbers are expected
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 4);
    const hid_t d = H5Dcreate2(file, name, t, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    std::vector<char> v(count * 4, 'a');
    if (d >= 0) H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), H5Dclose(d);
    H5Tclose(t);
  } else {
    std::vector<double> v(count);
    for (auto& x : v) x = in.byte() % 5 == 0 ? in.number() : static_cast<double>(in.byte());
    const hid_t t = type == 0 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_FLOAT;
    const hid_t d = H5Dcreate2(file, name, t, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    if (d >= 0) H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()), H5Dclose(d);
  }
  H5Pclose(lcpl);
  H5Sclose(space);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/shortrun-fuzz-resume-" + std::to_string(::getpid()) + ".h5";
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  Input in{data, size};
  const std::uint8_t flags = in.byte();
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) return 0;
  if (flags & 1) {
    const hid_t s = H5Screate(H5S_SCALAR);
    const hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, H5T_VARIABLE);
    const char* schema = shortrun::io::kResumeSchema;
    hid_t a = H5Acreate2(file, "schema", t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, &schema);
    H5Aclose(a);
    H5Tclose(t);
    const std::int64_t version = shortrun::io::kResumeSchemaVersion;
    a = H5Acreate2(file, "schema_version", H5T_NATIVE_INT64, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT64, &version);
    H5Aclose(a);
    H5Sclose(s);
  }
  for (int ops = 0; ops < 40 && in.n > 0; ++ops) {
    const int op = in.byte() % 3;
    const char* name = kNames[in.byte() % kNameCount];
    if (op == 0) {
      write_attr(file, name, in);
    } else if (op == 1) {
      write_dataset(file, name, in);
    } else if (H5Lexists(file, name, H5P_DEFAULT) <= 0) {
      const hid_t lcpl = link_plist();
      const hid_t g = H5Gcreate2(file, name, lcpl, H5P_DEFAULT, H5P_DEFAULT);
      if (g >= 0) H5Gclose(g);
      H5Pclose(lcpl);
    }
  }
  H5Fclose(file);
  try {
    const shortrun::io::ResumeState s = shortrun::io::read_resume_state(path);
    shortrun::io::check_resume_state(s, 100, static_cast<shortrun::Index>(flags >> 4), path);
  } catch (const shortrun::BadInput&) {
  } catch (const shortrun::h5::Error&) {
  }
  return 0;
}
