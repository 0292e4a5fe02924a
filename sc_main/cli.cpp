#include "sc_main/cli.h"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>
#if defined(__SANITIZE_ADDRESS__)
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#endif

#include "core/errors.h"
#include "core/overrides.h"
#include "core/units.h"
#include "core/yaml_support.h"
#include "engine/recorder.h"
#include "engine/simulation.h"
#include "platforms/faults.h"
#include "platforms/loader.h"
#include "platforms/platform.h"
#include "platforms/tech/preset_table.h"
#include "platforms/tech/presets.h"
#include "power/cost.h"
#include "power/density.h"
#include "power/ledger.h"
#include "report/html.h"
#include "report/package_heat.h"
#include "report/report.h"
#include "report/trace.h"
#include "sc_main/compare.h"
#include "sc_main/output.h"
#include "sc_main/progress.h"
#include "sc_main/reliability.h"
#include "sc_main/sweep.h"
#include "workloads/chakra/chakra.h"
#include "workloads/loader.h"

namespace pjbit::cli {

namespace {

struct RunArgs {
  std::string platform;
  std::string workload;
  std::vector<std::string> sets;
  std::string json_path;
  std::string csv_path;
  std::string html_path;
  std::string trace_path;
  std::string vcd_path;
  std::size_t trace_limit = engine::RecorderOptions{}.max_events;
  std::string power_window;
  std::string seed = "1";
  std::vector<std::string> given;  // the output options on the command line (one given "" is refused)
  bool quiet = false;
  std::vector<std::string> presets;
  std::string steps = "auto";
};

// Under AddressSanitizer (the asan preset): SystemC 2.3.4 tells the sanitizer of its switches between
// coroutine stacks, but gives no bounds for the main stack when it switches back to it, so once the kernel
// has returned the sanitizer takes the main stack for an unknown one. Every exception thrown afterwards (an
// output that cannot be written, say) then skips the sanitizer's clean-up of the stack and ends in a false
// stack-use-after-scope report instead of the one `error:` line. This tells it the main thread's stack again.
// Nothing without the sanitizer.
void main_stack_to_sanitizer() {
#if defined(__SANITIZE_ADDRESS__)
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) return;
  void* bottom = nullptr;
  std::size_t size = 0;
  if (pthread_attr_getstack(&attr, &bottom, &size) == 0) {
    __sanitizer_start_switch_fiber(nullptr, bottom, size);
    __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
  }
  pthread_attr_destroy(&attr);
#endif
}

std::vector<core::Override> parse_overrides(const std::vector<std::string>& sets) {
  std::vector<core::Override> out;
  for (const auto& s : sets)
    out.push_back(core::parse_override(s));
  core::check_overrides_matched(out, platforms::platform_top_level_keys(),
                                workloads::workload_top_level_keys());
  return out;
}

// The workload of `run` and `validate`: a workload file, or the prefix of a Chakra trace when it is not a
// YAML file and PREFIX.0.et exists (CONTRACT section 8). A trace has no workload keys for --set; a workload
// file that names it (chakra: { prefix: ... }) has.
workloads::WorkloadSpec load_workload_or_trace(const std::string& path,
                                               const std::vector<core::Override>& overrides) {
  if (!workloads::chakra::is_trace_prefix(path)) return workloads::load_workload(path, overrides);
  const auto mine = core::select_overrides(overrides, "workload", workloads::workload_top_level_keys());
  if (!mine.empty()) {
    throw core::InputError(core::SourceLoc{}, "--set",
                           core::quote_text(mine.front().key) +
                               ": a Chakra trace has no workload keys; name it in a " +
                               "workload file (chakra: { prefix: ... }) to set its name or iterations");
  }
  return workloads::chakra::load_trace(path);
}

// A workload and the platform it is to run on: a trace needs a platform rank for each of its rank files.
void check_workload_fits(const platforms::PlatformSpec& platform, const workloads::WorkloadSpec& workload) {
  workloads::chakra::check_platform_ranks(workload, platform.ranks());
}

int cmd_run(const RunArgs& args) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::uint64_t seed = parse_seed(args.seed, core::SourceLoc{}, "--seed");
  const auto overrides = parse_overrides(args.sets);
  const auto platform = platforms::load_platform(args.platform, overrides);
  const auto workload = load_workload_or_trace(args.workload, overrides);
  check_workload_fits(platform, workload);
  // Every output is declared before simulating: its temporary file is created now, so that an output that
  // cannot be written is refused before the run, not after it.
  OutputSet outputs;
  std::optional<std::size_t> json_out, csv_out, html_out, trace_out, vcd_out;
  const auto declare = [&](const std::string& path, const char* option, std::optional<std::size_t>& id) {
    if (std::find(args.given.begin(), args.given.end(), option) != args.given.end())
      id = outputs.add(path, option);
  };
  declare(args.json_path, "--json", json_out);
  declare(args.csv_path, "--csv", csv_out);
  declare(args.html_path, "--html", html_out);
  declare(args.trace_path, "--trace", trace_out);
  declare(args.vcd_path, "--vcd", vcd_out);
  engine::RunOptions options;
  options.seed = seed;
  options.all_steps = args.steps == "full";
  // A recorder always runs: without --trace or --vcd it keeps no events, only the energy profile behind the
  // report's power over time.
  engine::RecorderOptions ro;
  const bool timeline = trace_out || vcd_out;
  ro.max_events = timeline ? args.trace_limit : 0;
  if (!args.power_window.empty()) {
    try {
      ro.power_window_s = core::parse_quantity(args.power_window, core::Dim::Time);
    } catch (const core::QuantityError& e) {
      throw core::InputError(core::SourceLoc{}, "--power-window", e.what());
    }
    if (ro.power_window_s <= 0.0)
      throw core::InputError(core::SourceLoc{}, "--power-window",
                             "expected a positive time such as \"10 us\"");
  }
  ro.link_activity = vcd_out.has_value();
  auto recorder = std::make_unique<engine::Recorder>(ro);
  options.recorder = recorder.get();
  ProgressBar bar(!args.quiet, ProgressBar::delay_from_environment());
  if (bar.active()) options.progress = [&bar](const engine::Progress& p) { bar.update(p); };
  const auto sim = engine::simulate(platform, workload, options);
  main_stack_to_sanitizer();  // the kernel has returned to the main stack
  bar.finish();
  const auto ledger = power::price(sim.usage);
  const auto density = power::assess_density(sim.usage, ledger);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto cost = power::price_cost(sim.usage, ledger);
  report::Inputs in{&platform, &workload, &sim, &ledger, &density, seed, wall, recorder.get(), &cost};
  // A package above its junction limit is a warning (power/thermal.md): one line on stderr each, and the
  // report's packages.warnings; the run's timing is not throttled.
  for (const report::PackageHeat& p : report::package_heat(*recorder, in).packages)
    if (p.over_limit) std::cerr << "warning: " << p.message << "\n";
  // Every output is written (regular files to their temporaries), then committed together.
  if (json_out || html_out) {
    std::string json = report::to_json(in);
    if (html_out) outputs.write(*html_out, report::to_html(nlohmann::json::parse(json)));
    if (json_out) outputs.write(*json_out, std::move(json));
  }
  if (csv_out) outputs.write(*csv_out, report::csv(in));
  if (trace_out)
    outputs.write(*trace_out, [&](std::ostream& out) { report::write_trace(out, *recorder, in); });
  if (vcd_out) outputs.write(*vcd_out, [&](std::ostream& out) { report::write_vcd(out, *recorder, in); });
  outputs.commit();
  // With an output on standard output (-), the summary table stays off it.
  if (!args.quiet && !outputs.writes_to_stdout()) std::cout << report::summary_table(in) << std::flush;
  return kOk;
}

int cmd_validate(const std::string& platform_path, const std::string& workload_path,
                 const std::vector<std::string>& sets) {
  const auto overrides = parse_overrides(sets);
  const auto platform = platforms::load_platform(platform_path, overrides);
  engine::validate_platform(platform);
  platforms::Platform built("platform", platform);
  const auto faults = platforms::resolve_faults(platform, built.topology());
  std::cout << built.describe();
  for (const auto& f : faults)
    std::cout << fmt::format("  fault {} at {} s: {}, {} link{}\n", f.spec.target,
                             core::format_number(f.spec.at_s),
                             f.spec.kind == platforms::FaultSpec::Kind::Down    ? "down"
                             : f.spec.kind == platforms::FaultSpec::Kind::Lanes ? "fewer lanes"
                                                                                : "bit errors",
                             f.links.size(), f.links.size() == 1 ? "" : "s");
  if (!workload_path.empty()) {
    const auto workload = load_workload_or_trace(workload_path, overrides);
    check_workload_fits(platform, workload);
    engine::validate(platform, workload);
    std::cout << "workload " << workload.name << ": " << workload.steps.size() << " steps x "
              << workload.iterations << " iterations";
    if (workload.trace_ranks > 0) std::cout << " (a Chakra trace of " << workload.trace_ranks << " ranks)";
    std::cout << ", runs on this platform\n";
    if (const workloads::ModelSummary& m = workload.model; m.on)
      std::cout << fmt::format(
          "  model {}: {:.4g} parameters ({:.4g} active), {:.4g} tokens and {:.4g} model "
          "FLOPs an iteration, {}\n",
          m.name, m.parameters, m.active_parameters, m.tokens_per_iteration, m.flops_per_iteration,
          m.ranks_formula);
  }
  return kOk;
}

struct ExportArgs {
  std::string workload;
  int ranks = 0;
  std::string out;
  std::vector<std::string> sets;
  bool unroll = false;
  std::string seed = "1";
};

// `pjbit export-chakra`: a workload as a Chakra trace, PREFIX.<rank>.et for every rank, all written or none.
int cmd_export_chakra(const ExportArgs& args) {
  const std::uint64_t seed = parse_seed(args.seed, core::SourceLoc{}, "--seed");
  std::vector<core::Override> overrides;
  for (const auto& s : args.sets)
    overrides.push_back(core::parse_override(s));
  core::check_overrides_matched(overrides, {}, workloads::workload_top_level_keys());
  if (args.out.empty())
    throw core::InputError(core::SourceLoc{}, "--out", "expected a path prefix, got \"\"");
  const auto workload = load_workload_or_trace(args.workload, overrides);
  std::vector<std::string> paths;
  for (int r = 0; r < args.ranks; ++r)
    paths.push_back(workloads::chakra::rank_file(args.out, r));
  OutputFiles outputs(paths);
  workloads::chakra::ExportOptions options;
  options.ranks = args.ranks;
  options.unroll = args.unroll;
  options.seed = seed;
  const std::vector<std::string> files = workloads::chakra::write_trace(workload, options);
  for (std::size_t r = 0; r < files.size(); ++r)
    outputs.write(r, files[r]);
  outputs.commit();
  std::cout << "wrote " << workloads::chakra::rank_file(args.out, 0);
  if (args.ranks > 1) std::cout << " to " << workloads::chakra::rank_file(args.out, args.ranks - 1);
  std::cout << ": workload " << workload.name << " as a Chakra trace of " << args.ranks << " ranks\n";
  return kOk;
}

// `pjbit presets`: every technology preset with its source, as a table per kind, JSON or docs/presets.md.
int cmd_presets(bool as_json, bool as_markdown) {
  if (as_json)
    std::cout << platforms::tech::presets_json();
  else if (as_markdown)
    std::cout << platforms::tech::presets_markdown();
  else
    std::cout << platforms::tech::presets_text();
  std::cout << std::flush;
  return kOk;
}

// Text for a one-line error: control characters (from a file name, say) escaped.
std::string one_line(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      out += fmt::format("\\x{:02X}", static_cast<unsigned>(u));
    } else {
      out += c;
    }
  }
  return out;
}

const char* const kPresetsHelp =
    "also read the preset files in DIR (repeatable; after the shipped presets, before PJBIT_PRESET_PATH's)";

}  // namespace

std::uint64_t parse_seed(const std::string& text, const core::SourceLoc& loc, const std::string& key) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  bool ok = !text.empty() && text.size() <= 64;
  for (std::size_t i = 0; ok && i < text.size(); ++i) {
    const char c = text[i];
    ok = c >= '0' && c <= '9';
    const auto digit = static_cast<std::uint64_t>(c - '0');
    ok = ok && value <= (kMax - digit) / 10;  // value * 10 + digit stays within 64 bits
    if (ok) value = value * 10 + digit;
  }
  if (!ok) {
    throw core::InputError(
        loc, key, fmt::format("expected a whole number from 0 to {}, got {}", kMax, core::quote_text(text)));
  }
  return value;
}

int main(int argc, char* argv[]) {
  // First, so that an interrupted command leaves no temporary file behind from its first output on.
  install_signal_handlers();
  // SystemC warnings and infos are for model developers; errors still throw and are reported below.
  sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);

  CLI::App app{"pjbit: what it costs to move a bit across an AI cluster"};
  app.set_version_flag("--version", std::string("pjbit ") + PJBIT_VERSION);
  app.require_subcommand(1);

  RunArgs run;
  auto* run_cmd = app.add_subcommand("run", "simulate a workload on a platform and report time and energy");
  run_cmd->add_option("PLATFORM", run.platform, "platform YAML file")->required();
  run_cmd->add_option("WORKLOAD", run.workload, "workload YAML file")->required();
  run_cmd->add_option("--set", run.sets, "override a platform or workload key: KEY=VALUE (repeatable)");
  run_cmd->add_option("--json", run.json_path, "write the report (schema pjbit.report/1) to FILE");
  run_cmd->add_option("--csv", run.csv_path, "write one row of headline metrics to FILE");
  run_cmd->add_option("--html", run.html_path, "write a self-contained report page with charts to FILE");
  run_cmd->add_option("--trace", run.trace_path,
                      "write a timeline (Chrome/Perfetto trace-event JSON) to FILE: ranks, links, power");
  run_cmd->add_option("--vcd", run.vcd_path, "write link and rank activity as a value change dump to FILE");
  run_cmd
      ->add_option("--trace-limit", run.trace_limit,
                   "record at most N events for --trace and --vcd (default 1000000)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 40));
  run_cmd->add_option(
      "--power-window", run.power_window,
      "the power trace's window, such as \"10 us\" (default: 1 ns, doubled until the run fits "
      "in 512 windows)");
  run_cmd->add_option("--seed", run.seed,
                      "seed of every random choice: 0 to 18446744073709551615 (default 1)");
  run_cmd->add_flag("--quiet", run.quiet, "print no summary table and no progress bar");
  run_cmd->add_option("--presets", run.presets, kPresetsHelp);
  run_cmd
      ->add_option(
          "--steps", run.steps,
          "full: report every step of every iteration; auto (default): beyond 2 iterations, the first and "
          "last in full and every step summed up over all of them")
      ->check(CLI::IsMember({"auto", "full"}));

  std::string v_platform, v_workload;
  std::vector<std::string> v_sets, v_presets;
  auto* validate_cmd = app.add_subcommand("validate", "check the files and print what would be built");
  validate_cmd->add_option("PLATFORM", v_platform, "platform YAML file")->required();
  validate_cmd->add_option("WORKLOAD", v_workload, "workload YAML file");
  validate_cmd->add_option("--set", v_sets, "override a key: KEY=VALUE (repeatable)");
  validate_cmd->add_option("--presets", v_presets, kPresetsHelp);

  bool presets_json = false, presets_markdown = false;
  std::vector<std::string> p_presets;
  auto* presets_cmd = app.add_subcommand("presets", "list every technology preset with its source");
  auto* presets_json_flag = presets_cmd->add_flag("--json", presets_json, "as JSON");
  presets_cmd->add_flag("--markdown", presets_markdown, "as docs/presets.md")->excludes(presets_json_flag);
  presets_cmd->add_option("--presets", p_presets, kPresetsHelp);

  ExportArgs exp;
  auto* export_cmd = app.add_subcommand(
      "export-chakra", "write a workload as a Chakra execution trace, one file per rank (PREFIX.<rank>.et)");
  export_cmd->add_option("WORKLOAD", exp.workload, "workload YAML file (or a trace's prefix)")->required();
  export_cmd->add_option("--ranks", exp.ranks, "the trace's ranks, one file each: 1 to 65536")
      ->required()
      ->check(CLI::Range(1, 65536));
  export_cmd->add_option("--out", exp.out, "the files' path without .<rank>.et")->required();
  export_cmd->add_option("--set", exp.sets, "override a workload key: KEY=VALUE (repeatable)");
  export_cmd->add_flag("--unroll", exp.unroll,
                       "write every iteration out, rather than once with the count in the trace's metadata");
  export_cmd->add_option("--seed", exp.seed, "the run seed random traffic pairs are drawn with (default 1)");

  SweepArgs sweep;
  auto* sweep_cmd =
      app.add_subcommand("sweep", "run the cross product of parameter values (docs/scaling-out.md)");
  sweep_cmd->add_option("SWEEP", sweep.file, "sweep YAML file")->required();
  sweep_cmd->add_option("--out", sweep.out, "folder for the reports and results.csv")->required();
  sweep_cmd->add_option("--jobs", sweep.jobs, "points run at once (default 1)");
  sweep_cmd->add_option("--shard", sweep.shard, "run only points i with i mod N = K-1: K/N");
  sweep_cmd->add_flag("--quiet", sweep.quiet, "print no progress lines");
  sweep_cmd->add_option("--presets", sweep.presets, kPresetsHelp);

  CompareArgs compare;
  auto* compare_cmd =
      app.add_subcommand("compare", "compare two reports; exit 1 when the candidate is worse beyond --rtol");
  compare_cmd->add_option("BASELINE", compare.baseline, "baseline report (JSON)")->required();
  compare_cmd->add_option("CANDIDATE", compare.candidate, "candidate report (JSON)")->required();
  compare_cmd->add_option("--rtol", compare.rtol, "relative tolerance (default 0.01)");
  auto* compare_json = compare_cmd->add_option("--json", compare.json_path,
                                               "write the comparison (schema pjbit.compare/1) to FILE");

  ReliabilityArgs rel;
  auto* rel_cmd = app.add_subcommand(
      "reliability", "a seeded Monte Carlo of part failures over a training job (docs/reliability.md)");
  rel_cmd->add_option("PLATFORM", rel.platform, "platform YAML file")->required();
  rel_cmd->add_option("WORKLOAD", rel.workload, "workload YAML file (its job: block)")->required();
  rel_cmd->add_option("--horizon", rel.horizon, "the job's wall time, such as \"54 d\"")->required();
  rel_cmd->add_option("--trials", rel.trials, "trials of the Monte Carlo: 1 to 1000000 (default 1000)");
  rel_cmd->add_option("--seed", rel.seed, "seed of the trials: 0 to 18446744073709551615 (default 1)");
  auto* rel_json =
      rel_cmd->add_option("--json", rel.json_path, "write the results (schema pjbit.reliability/1) to FILE");
  rel_cmd->add_option("--set", rel.sets, "override a platform or workload key: KEY=VALUE (repeatable)");
  rel_cmd->add_option("--presets", rel.presets, kPresetsHelp);
  rel_cmd->add_flag("--quiet", rel.quiet, "print no table");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kOk;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return kOk;
  } catch (const CLI::CallForVersion& e) {
    std::cout << e.what() << "\n";
    return kOk;
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << " (see pjbit --help)\n";
    return kBadInput;
  }

  for (const char* option : {"--json", "--csv", "--html", "--trace", "--vcd"})
    if (run_cmd->get_option(option)->count() > 0) run.given.push_back(option);
  compare.json_given = compare_json->count() > 0;
  rel.json_given = rel_json->count() > 0;

  try {
    // Presets are read when first needed, from the shipped folder, these and PJBIT_PRESET_PATH's.
    if (*run_cmd) platforms::tech::set_user_preset_folders(run.presets);
    if (*validate_cmd) platforms::tech::set_user_preset_folders(v_presets);
    if (*presets_cmd) platforms::tech::set_user_preset_folders(p_presets);
    if (*sweep_cmd) platforms::tech::set_user_preset_folders(sweep.presets);
    if (*rel_cmd) platforms::tech::set_user_preset_folders(rel.presets);
    if (*run_cmd) return cmd_run(run);
    if (*validate_cmd) return cmd_validate(v_platform, v_workload, v_sets);
    if (*presets_cmd) return cmd_presets(presets_json, presets_markdown);
    if (*export_cmd) return cmd_export_chakra(exp);
    if (*sweep_cmd) return cmd_sweep(sweep);
    if (*compare_cmd) return cmd_compare(compare);
    if (*rel_cmd) return cmd_reliability(rel);
  } catch (const core::InputError& e) {
    std::cerr << "error: " << one_line(e.what()) << "\n";
    return kBadInput;
  } catch (const core::SimulationError& e) {
    std::cerr << "error: simulation failed: " << one_line(e.what()) << "\n";
    return kSimulationFailed;
  } catch (const sc_core::sc_report& e) {
    std::cerr << "error: internal model error: " << one_line(e.get_msg()) << " ("
              << one_line(e.get_msg_type()) << ")\n";
    return kSimulationFailed;
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory\n";
    return kSimulationFailed;
  } catch (const std::exception& e) {
    std::cerr << "error: internal error: " << one_line(e.what()) << "\n";
    return kSimulationFailed;
  }
  return kOk;
}

}  // namespace pjbit::cli
