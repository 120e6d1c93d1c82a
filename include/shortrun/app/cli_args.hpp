#pragma once
/// Command-line parsing shared by the subcommands (Boost.Program_options): named options plus one
/// positional argument, with parse errors turned into BadInput naming the command.
#include <string>

#include <boost/program_options.hpp>

namespace shortrun::cli {

/// Parses argv against `options` and one positional argument stored in `positional` (its name
/// in the messages: `positional_name`). Throws BadInput "shortrun <command>: <what> (see ... --help)".
boost::program_options::variables_map parse_command_line(
    int argc, char** argv, const boost::program_options::options_description& options,
    const std::string& positional_name, std::string& positional, const std::string& command);

}  // namespace shortrun::cli
