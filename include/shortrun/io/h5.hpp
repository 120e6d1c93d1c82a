#pragma once
/// A small RAII wrapper over the HDF5 C API: files, groups, datasets and attributes of the types
/// shortrun writes. Every failure throws h5::Error with one readable line (the library's own error
/// stack printing is switched off). Matrices are written row-major, shape [rows, cols].
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <hdf5.h>

#include "shortrun/core/types.hpp"

namespace shortrun::h5 {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The kind of value a dataset or attribute holds (for readers that type their output, e.g.
/// `shortrun info --json`).
enum class TypeClass { integer, real, string, other };

/// Owns one hid_t and closes it with the matching H5?close.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), closer_(o.closer_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  ~Handle() { reset(); }
  void reset();
  /// Gives up ownership without closing.
  hid_t release() {
    const hid_t id = id_;
    id_ = H5I_INVALID_HID;
    return id;
  }
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

/// A group or a file's root group, with typed writers and readers for datasets and attributes.
/// `Object` is any HDF5 object that carries attributes (file, group or dataset).
class Object {
 public:
  explicit Object(Handle h, std::string path) : h_(std::move(h)), path_(std::move(path)) {}
  hid_t id() const { return h_.id(); }
  const std::string& path() const { return path_; }

  // Attributes.
  void attr(const std::string& name, const std::string& value);
  void attr(const std::string& name, const char* value) { attr(name, std::string(value)); }
  void attr(const std::string& name, std::int64_t value);
  void attr(const std::string& name, double value);
  void attr(const std::string& name, const std::vector<double>& value);
  bool has_attr(const std::string& name) const;
  std::vector<std::string> attr_names() const;
  std::string attr_string(const std::string& name) const;
  std::int64_t attr_int(const std::string& name) const;
  double attr_double(const std::string& name) const;
  std::vector<double> attr_doubles(const std::string& name) const;
  /// The attribute's value as text, whatever its type (for `shortrun info`).
  std::string attr_as_text(const std::string& name) const;
  /// The kind of value attribute `name` holds, and its shape ({} for a scalar).
  TypeClass attr_type(const std::string& name) const;
  std::vector<hsize_t> attr_shape(const std::string& name) const;

 protected:
  Handle h_;
  std::string path_;  // file path + object path, for error messages
};

class Group : public Object {
 public:
  using Object::Object;

  Group create_group(const std::string& name);
  Group open_group(const std::string& name) const;
  Group require_group(const std::string& name);
  /// True if a link `name` (a path relative to this group) exists and resolves.
  bool exists(const std::string& name) const;
  std::vector<std::string> children() const;
  void soft_link(const std::string& name, const std::string& target);
  /// A link to object `target` (e.g. "/") in another file; `file` relative to this file's folder.
  void external_link(const std::string& name, const std::string& file, const std::string& target);
  /// Path a soft link points to.
  std::string link_target(const std::string& name) const;

  // Datasets.
  void write(const std::string& name, const Matrix& m);
  void write(const std::string& name, const Vector& v);
  void write(const std::string& name, const std::vector<double>& v);
  void write(const std::string& name, const std::vector<std::int64_t>& v);
  void write(const std::string& name, const std::vector<std::string>& v);
  /// An n-dimensional array of doubles, `data` in row-major (C) order of `shape`.
  void write_array(const std::string& name, const std::vector<double>& data, const std::vector<hsize_t>& shape);
  /// Copies the object `source_name` of `source` (a group of this file or of another) to `name`
  /// here (H5Ocopy: the raw data pass through the library's own bounded buffer, not the caller's).
  void copy_from(const Group& source, const std::string& source_name, const std::string& name);
  /// Unlinks `name` (a dataset or group) from this group.
  void remove(const std::string& name);
  Object open_dataset(const std::string& name) const;
  std::vector<hsize_t> shape(const std::string& name) const;
  Matrix read_matrix(const std::string& name) const;
  Vector read_vector(const std::string& name) const;
  std::vector<std::int64_t> read_ints(const std::string& name) const;
  std::vector<std::string> read_strings(const std::string& name) const;
  /// The kind of value dataset `name` holds.
  TypeClass type_class(const std::string& name) const;
  /// Paths, relative to this group, of every dataset below it reachable by hard links (soft and
  /// external links are not followed), in name order: e.g. "dynamics/20/t".
  std::vector<std::string> dataset_paths() const;

  // Dimension scales (HDF5 high-level library, H5DS).
  /// Makes dataset `name` a dimension scale called `scale_name`; nothing when it is one already.
  void set_scale(const std::string& name, const std::string& scale_name);
  /// Attaches dataset `scale` as the dimension scale of dimension `dim` of dataset `dataset` (both
  /// relative to this group). `scale` is made a scale first (named after its last path component)
  /// when it is not one; nothing when it is attached already.
  void attach_scale(const std::string& dataset, const std::string& scale, unsigned dim);
  /// Whether `scale` is attached to dimension `dim` of `dataset`.
  bool is_attached(const std::string& dataset, const std::string& scale, unsigned dim) const;
};

class File : public Group {
 public:
  enum class Mode { create, read, read_write };
  File(const std::string& path, Mode mode);
  /// Flushes buffers to disk.
  void flush();
  /// Closes now (destructor does the same); reported errors become exceptions.
  void close();
  const std::string& file_path() const { return file_path_; }

 private:
  std::string file_path_;
};

}  // namespace shortrun::h5
