#include "shortrun/io/h5.hpp"

#include <hdf5_hl.h>

#include <sstream>

namespace shortrun::h5 {
namespace {

using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

herr_t collect_deepest(unsigned /*n*/, const H5E_error2_t* err, void* out) {
  if (err->desc != nullptr && err->desc[0] != '\0') *static_cast<std::string*>(out) = err->desc;
  return 0;
}

/// Throws Error("<what> (<path>): <deepest HDF5 message>") and clears the library's stack.
[[noreturn]] void fail(const std::string& what, const std::string& path) {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_deepest, &detail);
  H5Eclear2(H5E_DEFAULT);
  throw Error("HDF5: " + what + " (" + path + ")" + (detail.empty() ? "" : ": " + detail));
}

hid_t check(hid_t id, const std::string& what, const std::string& path) {
  if (id < 0) fail(what, path);
  return id;
}
void check_status(herr_t status, const std::string& what, const std::string& path) {
  if (status < 0) fail(what, path);
}

Handle string_type() {
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.id(), H5T_VARIABLE);
  H5Tset_cset(t.id(), H5T_CSET_UTF8);
  return t;
}

Handle simple_space(const std::vector<hsize_t>& dims) {
  return {H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose};
}

void write_dataset(hid_t loc, const std::string& name, hid_t mem_type, hid_t file_type,
                   const std::vector<hsize_t>& dims, const void* data, const std::string& path) {
  if (H5Lexists(loc, name.c_str(), H5P_DEFAULT) > 0) H5Ldelete(loc, name.c_str(), H5P_DEFAULT);
  Handle space = simple_space(dims);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  Handle ds(check(H5Dcreate2(loc, name.c_str(), file_type, space.id(), lcpl.id(), H5P_DEFAULT,
                             H5P_DEFAULT),
                  "cannot create dataset " + name, path),
            H5Dclose);
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  if (n > 0)
    check_status(H5Dwrite(ds.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
          ("cannot write dataset " + name).c_str(), path);
}

void write_attr(hid_t obj, const std::string& name, hid_t mem_type, hid_t file_type, hid_t space,
                const void* data, const std::string& path) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
  Handle a(check(H5Acreate2(obj, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                 "cannot create attribute " + name, path),
           H5Aclose);
  check_status(H5Awrite(a.id(), mem_type, data), ("cannot write attribute " + name).c_str(), path);
}

}  // namespace

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    closer_ = o.closer_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

void Handle::reset() {
  if (id_ >= 0 && closer_ != nullptr) closer_(id_);
  id_ = H5I_INVALID_HID;
}

// ---- attributes -------------------------------------------------------------------------------

void Object::attr(const std::string& name, const std::string& value) {
  Handle t = string_type();
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  const char* p = value.c_str();
  write_attr(id(), name, t.id(), t.id(), space.id(), &p, path_);
}

void Object::attr(const std::string& name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  write_attr(id(), name, H5T_NATIVE_INT64, H5T_STD_I64LE, space.id(), &value, path_);
}

void Object::attr(const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  write_attr(id(), name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, space.id(), &value, path_);
}

void Object::attr(const std::string& name, const std::vector<double>& value) {
  Handle space = simple_space({value.size()});
  if (value.empty()) {
    // An empty list: an attribute of zero elements, nothing to write.
    if (H5Aexists(id(), name.c_str()) > 0) H5Adelete(id(), name.c_str());
    Handle a(check(H5Acreate2(id(), name.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
                   "cannot create attribute " + name, path_),
             H5Aclose);
    return;
  }
  write_attr(id(), name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, space.id(), value.data(), path_);
}

bool Object::has_attr(const std::string& name) const { return H5Aexists(id(), name.c_str()) > 0; }

namespace {
herr_t collect_attr_name(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> Object::attr_names() const {
  std::vector<std::string> names;
  hsize_t idx = 0;
  // Creation order where the object tracks it (everything shortrun writes), else name order.
  if (H5Aiterate2(id(), H5_INDEX_CRT_ORDER, H5_ITER_INC, &idx, collect_attr_name, &names) < 0) {
    H5Eclear2(H5E_DEFAULT);
    names.clear();
    idx = 0;
    check_status(H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_attr_name, &names),
          "cannot list attributes", path_);
  }
  return names;
}

namespace {
Handle open_attr(hid_t obj, const std::string& name, const std::string& path) {
  return {check(H5Aopen(obj, name.c_str(), H5P_DEFAULT), "no attribute " + name, path), H5Aclose};
}
/// An attribute read into one value: it must hold exactly one (an array would overrun the value).
Handle open_scalar_attr(hid_t obj, const std::string& name, const std::string& path) {
  Handle a = open_attr(obj, name, path);
  const Handle space(H5Aget_space(a.id()), H5Sclose);
  if (H5Sget_simple_extent_npoints(space.id()) != 1)
    throw Error("HDF5: attribute " + name + " holds " + std::to_string(H5Sget_simple_extent_npoints(space.id())) +
                " values, expected one (" + path + ")");
  return a;
}
}  // namespace

std::string Object::attr_string(const std::string& name) const {
  Handle a = open_scalar_attr(id(), name, path_);
  Handle ft(H5Aget_type(a.id()), H5Tclose);
  if (H5Tget_class(ft.id()) != H5T_STRING) throw Error("HDF5: attribute " + name + " is not a string (" + path_ + ")");
  if (H5Tis_variable_str(ft.id()) > 0) {
    Handle t = string_type();
    char* p = nullptr;
    check_status(H5Aread(a.id(), t.id(), &p), ("cannot read attribute " + name).c_str(), path_);
    std::string s = p != nullptr ? p : "";
    H5free_memory(p);
    return s;
  }
  const std::size_t n = H5Tget_size(ft.id());
  std::string s(n, '\0');
  Handle t(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(t.id(), n);
  check_status(H5Aread(a.id(), t.id(), s.data()), ("cannot read attribute " + name).c_str(), path_);
  return s.substr(0, s.find('\0'));
}

std::int64_t Object::attr_int(const std::string& name) const {
  Handle a = open_scalar_attr(id(), name, path_);
  std::int64_t v = 0;
  check_status(H5Aread(a.id(), H5T_NATIVE_INT64, &v), ("cannot read attribute " + name).c_str(), path_);
  return v;
}

double Object::attr_double(const std::string& name) const {
  Handle a = open_scalar_attr(id(), name, path_);
  double v = 0;
  check_status(H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v), ("cannot read attribute " + name).c_str(), path_);
  return v;
}

std::vector<double> Object::attr_doubles(const std::string& name) const {
  Handle a = open_attr(id(), name, path_);
  Handle space(H5Aget_space(a.id()), H5Sclose);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  std::vector<double> v(static_cast<std::size_t>(n));
  if (n > 0)
    check_status(H5Aread(a.id(), H5T_NATIVE_DOUBLE, v.data()), ("cannot read attribute " + name).c_str(), path_);
  return v;
}

std::string Object::attr_as_text(const std::string& name) const {
  Handle a = open_attr(id(), name, path_);
  Handle ft(H5Aget_type(a.id()), H5Tclose);
  switch (H5Tget_class(ft.id())) {
    case H5T_STRING: return attr_string(name);
    case H5T_INTEGER: return std::to_string(attr_int(name));
    case H5T_FLOAT: {
      std::ostringstream os;
      os.precision(10);
      const auto v = attr_doubles(name);
      for (std::size_t i = 0; i < v.size(); ++i) os << (i ? "," : "") << v[i];
      return os.str();
    }
    default: return "<unsupported type>";
  }
}

namespace {
TypeClass class_of(hid_t type) {
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return TypeClass::integer;
    case H5T_FLOAT: return TypeClass::real;
    case H5T_STRING: return TypeClass::string;
    default: return TypeClass::other;
  }
}
}  // namespace

TypeClass Object::attr_type(const std::string& name) const {
  Handle a = open_attr(id(), name, path_);
  Handle ft(H5Aget_type(a.id()), H5Tclose);
  return class_of(ft.id());
}

std::vector<hsize_t> Object::attr_shape(const std::string& name) const {
  Handle a = open_attr(id(), name, path_);
  Handle space(H5Aget_space(a.id()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 0) fail("cannot read the shape of attribute " + name, path_);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0) H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return dims;
}

// ---- groups and datasets ----------------------------------------------------------------------

Group Group::create_group(const std::string& name) {
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  H5Pset_attr_creation_order(gcpl.id(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  // Members listed in the order they were written (h5py follows it), so /checkpoints and
  // /dynamics list their steps in numeric order, not as text (1, 1232, 14, 2, ...).
  H5Pset_link_creation_order(gcpl.id(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  hid_t g = check(H5Gcreate2(id(), name.c_str(), lcpl.id(), gcpl.id(), H5P_DEFAULT),
                  "cannot create group " + name, path_);
  return Group(Handle(g, H5Gclose), path_ + ":" + name);
}

Group Group::open_group(const std::string& name) const {
  hid_t g = check(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), "no group " + name, path_);
  return Group(Handle(g, H5Gclose), path_ + ":" + name);
}

Group Group::require_group(const std::string& name) {
  return exists(name) ? open_group(name) : create_group(name);
}

bool Group::exists(const std::string& name) const {
  // Check each component: H5Lexists fails (rather than returning 0) on a missing intermediate.
  std::string prefix;
  std::istringstream parts(name);
  std::string part;
  while (std::getline(parts, part, '/')) {
    if (part.empty()) continue;
    prefix += prefix.empty() ? part : "/" + part;
    if (H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
  }
  const htri_t ok = H5Oexists_by_name(id(), name.c_str(), H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  return ok > 0;
}

namespace {
herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->push_back(name);
  return 0;
}
}  // namespace

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  hsize_t idx = 0;
  check_status(H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &names),
        "cannot list group", path_);
  return names;
}

void Group::soft_link(const std::string& name, const std::string& target) {
  if (H5Lexists(id(), name.c_str(), H5P_DEFAULT) > 0) H5Ldelete(id(), name.c_str(), H5P_DEFAULT);
  check_status(H5Lcreate_soft(target.c_str(), id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
        ("cannot create link " + name).c_str(), path_);
}

void Group::external_link(const std::string& name, const std::string& file, const std::string& target) {
  if (H5Lexists(id(), name.c_str(), H5P_DEFAULT) > 0) H5Ldelete(id(), name.c_str(), H5P_DEFAULT);
  check_status(H5Lcreate_external(file.c_str(), target.c_str(), id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
               "cannot create external link " + name, path_);
}

std::string Group::link_target(const std::string& name) const {
  H5L_info_t info;
  check_status(H5Lget_info(id(), name.c_str(), &info, H5P_DEFAULT), ("no link " + name).c_str(), path_);
  if (info.type != H5L_TYPE_SOFT) throw Error("HDF5: " + name + " is not a soft link (" + path_ + ")");
  std::string buf(info.u.val_size, '\0');
  check_status(H5Lget_val(id(), name.c_str(), buf.data(), buf.size(), H5P_DEFAULT),
        ("cannot read link " + name).c_str(), path_);
  return buf.substr(0, buf.find('\0'));
}

void Group::write(const std::string& name, const Matrix& m) {
  const RowMatrix r = m;
  write_dataset(id(), name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE,
                {static_cast<hsize_t>(m.rows()), static_cast<hsize_t>(m.cols())}, r.data(), path_);
}

void Group::write(const std::string& name, const Vector& v) {
  write_dataset(id(), name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {static_cast<hsize_t>(v.size())},
                v.data(), path_);
}

void Group::write(const std::string& name, const std::vector<double>& v) {
  write_dataset(id(), name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, {v.size()}, v.data(), path_);
}

void Group::write_array(const std::string& name, const std::vector<double>& data,
                        const std::vector<hsize_t>& shape) {
  hsize_t n = 1;
  for (hsize_t d : shape) n *= d;
  if (n != data.size())
    throw Error(path_ + "/" + name + ": " + std::to_string(data.size()) + " values for a shape of " +
                std::to_string(n));
  write_dataset(id(), name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, shape, data.data(), path_);
}

void Group::copy_from(const Group& source, const std::string& source_name, const std::string& name) {
  check_status(H5Ocopy(source.id(), source_name.c_str(), id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
               ("cannot copy " + source.path() + "/" + source_name + " to " + name).c_str(), path_);
}

void Group::remove(const std::string& name) {
  if (H5Ldelete(id(), name.c_str(), H5P_DEFAULT) < 0) throw Error(path_ + "/" + name + ": cannot delete");
}

void Group::write(const std::string& name, const std::vector<std::int64_t>& v) {
  write_dataset(id(), name, H5T_NATIVE_INT64, H5T_STD_I64LE, {v.size()}, v.data(), path_);
}

void Group::write(const std::string& name, const std::vector<std::string>& v) {
  std::vector<const char*> ptrs;
  for (const auto& s : v) ptrs.push_back(s.c_str());
  Handle t = string_type();
  write_dataset(id(), name, t.id(), t.id(), {v.size()}, ptrs.data(), path_);
}

Object Group::open_dataset(const std::string& name) const {
  hid_t d = check(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), "no dataset " + name, path_);
  return Object(Handle(d, H5Dclose), path_ + ":" + name);
}

std::vector<hsize_t> Group::shape(const std::string& name) const {
  Object ds = open_dataset(name);
  Handle space(H5Dget_space(ds.id()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id());
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return dims;
}

namespace {
void read_all(const Group& g, const std::string& name, hid_t mem_type, void* out, std::size_t n) {
  Object ds = g.open_dataset(name);
  if (n > 0)
    check_status(H5Dread(ds.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out),
          ("cannot read dataset " + name).c_str(), g.path());
}
std::size_t count(const std::vector<hsize_t>& dims) {
  std::size_t n = 1;
  for (auto d : dims) n *= d;
  return n;
}
}  // namespace

Matrix Group::read_matrix(const std::string& name) const {
  const auto dims = shape(name);
  if (dims.size() != 2) throw Error("HDF5: dataset " + name + " is not 2-D (" + path_ + ")");
  RowMatrix r(static_cast<Index>(dims[0]), static_cast<Index>(dims[1]));
  read_all(*this, name, H5T_NATIVE_DOUBLE, r.data(), count(dims));
  return r;
}

Vector Group::read_vector(const std::string& name) const {
  const auto dims = shape(name);
  Vector v(static_cast<Index>(count(dims)));
  read_all(*this, name, H5T_NATIVE_DOUBLE, v.data(), count(dims));
  return v;
}

std::vector<std::int64_t> Group::read_ints(const std::string& name) const {
  const auto dims = shape(name);
  std::vector<std::int64_t> v(count(dims));
  read_all(*this, name, H5T_NATIVE_INT64, v.data(), v.size());
  return v;
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  const auto dims = shape(name);
  std::vector<char*> ptrs(count(dims), nullptr);
  Handle t = string_type();
  read_all(*this, name, t.id(), ptrs.data(), ptrs.size());
  std::vector<std::string> out;
  for (char* p : ptrs) {
    out.emplace_back(p != nullptr ? p : "");
    H5free_memory(p);
  }
  return out;
}

TypeClass Group::type_class(const std::string& name) const {
  Object ds = open_dataset(name);
  Handle ft(H5Dget_type(ds.id()), H5Tclose);
  return class_of(ft.id());
}

namespace {
struct VisitState {
  hid_t root;
  std::vector<std::string>* out;
};
herr_t collect_dataset(hid_t, const char* name, const H5L_info_t* info, void* data) {
  if (info->type != H5L_TYPE_HARD) return 0;  // soft links (/final) and external links (/links) are not followed
  auto* state = static_cast<VisitState*>(data);
  const hid_t obj = H5Oopen(state->root, name, H5P_DEFAULT);
  if (obj < 0) return -1;
  if (H5Iget_type(obj) == H5I_DATASET) state->out->push_back(name);
  H5Oclose(obj);
  return 0;
}
}  // namespace

std::vector<std::string> Group::dataset_paths() const {
  std::vector<std::string> names;
  VisitState state{id(), &names};
  check_status(H5Lvisit(id(), H5_INDEX_NAME, H5_ITER_INC, collect_dataset, &state), "cannot list datasets", path_);
  return names;
}

void Group::set_scale(const std::string& name, const std::string& scale_name) {
  Object ds = open_dataset(name);
  const htri_t is = H5DSis_scale(ds.id());
  if (is < 0) fail("cannot tell whether " + name + " is a dimension scale", path_);
  if (is > 0) return;
  check_status(H5DSset_scale(ds.id(), scale_name.c_str()), "cannot make " + name + " a dimension scale", path_);
}

void Group::attach_scale(const std::string& dataset, const std::string& scale, unsigned dim) {
  {
    const Object sc = open_dataset(scale);
    const htri_t is = H5DSis_scale(sc.id());
    if (is < 0) fail("cannot tell whether " + scale + " is a dimension scale", path_);
    if (is == 0) set_scale(scale, scale.substr(scale.find_last_of('/') + 1));
  }
  if (is_attached(dataset, scale, dim)) return;
  Object ds = open_dataset(dataset);
  Object sc = open_dataset(scale);
  check_status(H5DSattach_scale(ds.id(), sc.id(), dim),
               "cannot attach dimension scale " + scale + " to " + dataset, path_);
}

bool Group::is_attached(const std::string& dataset, const std::string& scale, unsigned dim) const {
  Object ds = open_dataset(dataset);
  Object sc = open_dataset(scale);
  const htri_t is = H5DSis_attached(ds.id(), sc.id(), dim);
  if (is < 0) fail("cannot tell whether " + scale + " is attached to " + dataset, path_);
  return is > 0;
}

// ---- files ------------------------------------------------------------------------------------

namespace {
Handle open_file(const std::string& path, File::Mode mode) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // errors become exceptions, not stack dumps
  hid_t f = H5I_INVALID_HID;
  switch (mode) {
    case File::Mode::create: {
      Handle fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
      H5Pset_link_creation_order(fcpl.id(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
      H5Pset_attr_creation_order(fcpl.id(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
      f = check(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.id(), H5P_DEFAULT), "cannot create file", path);
      break;
    }
    case File::Mode::read:
      f = check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), "cannot open file", path);
      break;
    case File::Mode::read_write:
      f = check(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), "cannot open file for writing", path);
      break;
  }
  return {f, H5Fclose};
}
}  // namespace

File::File(const std::string& path, Mode mode) : Group(open_file(path, mode), path), file_path_(path) {}

void File::flush() { check_status(H5Fflush(id(), H5F_SCOPE_GLOBAL), "cannot flush", file_path_); }

void File::close() {
  if (!h_.valid()) return;
  const herr_t status = H5Fclose(h_.release());
  check_status(status, "cannot close", file_path_);
}

}  // namespace shortrun::h5
