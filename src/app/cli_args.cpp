#include "shortrun/app/cli_args.hpp"

#include "shortrun/core/error.hpp"

namespace po = boost::program_options;

namespace shortrun::cli {

po::variables_map parse_command_line(int argc, char** argv, const po::options_description& options,
                                     const std::string& positional_name, std::string& positional,
                                     const std::string& command) {
  po::options_description hidden;
  hidden.add_options()(positional_name.c_str(), po::value<std::string>(&positional));
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description pos;
  pos.add(positional_name.c_str(), 1);
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    throw BadInput("shortrun " + command + ": " + e.what() + " (see shortrun " + command + " --help)");
  }
  return vm;
}

}  // namespace shortrun::cli
