// How the program writes its outputs (docs/cli.md, "Outputs"): regular files through an exclusive temporary
// file and a rename, all of a run's outputs together or none; devices, FIFOs and `-` in place, never
// replaced; links planted at a temporary's name never followed; nothing truncated to check that a file can be
// written; a failed write says why. Also the CSV row's quoting.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/testing.h"

namespace {
namespace test_outputs {

using pjbit::testing::count_lines;
namespace fs = std::filesystem;
using pjbit::testing::file_exists;
using pjbit::testing::is_device;
using pjbit::testing::make_device;
using pjbit::testing::may_use_system_device;
using pjbit::testing::ProcessResult;
using pjbit::testing::read_file;
using pjbit::testing::run_program;
using pjbit::testing::TempDir;

const char* const kRing = pjbit::testing::kRing4;

const char* const kWorkload = pjbit::testing::kAllReduce4MiB;

// The names in `dir` that look like temporary files, the program's (NAME.pjbit-tmp-HEX) or its former ones
// (NAME.tmp.PID).
std::vector<std::string> temporaries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.find(".pjbit-tmp-") != std::string::npos || name.find(".tmp.") != std::string::npos)
      out.push_back(name);
  }
  return out;
}

class Outputs : public ::testing::Test {
 protected:
  void SetUp() override {
    m_platform = m_dir.write("plat.yaml", kRing);
    m_workload = m_dir.write("work.yaml", kWorkload);
  }
  std::string path(const std::string& name) const { return m_dir.path() + "/" + name; }
  ProcessResult run(const std::vector<std::string>& extra, bool quiet = true) const {
    std::vector<std::string> args = {"run", m_platform, m_workload};
    if (quiet) args.push_back("--quiet");
    args.insert(args.end(), extra.begin(), extra.end());
    return run_program(args, 60.0);
  }
  // Expects exit 2 with one `error:` line matching `expect`.
  static void expect_refused(const ProcessResult& r, const std::string& expect) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(count_lines(r.err), 1) << r.err;
    EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r.err;
    EXPECT_TRUE(std::regex_search(r.err, std::regex(expect)))
        << "stderr: " << r.err << "expected: " << expect;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }

  TempDir m_dir;
  std::string m_platform, m_workload;
};

TEST_F(Outputs, AFifoIsWrittenInPlace) {
  const std::string fifo = path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  // This end, open for reading and writing, keeps the FIFO open whatever the program does, so that the
  // reader below never waits for a writer and sees the end once the program is done and this end is closed.
  const int keeper = ::open(fifo.c_str(), O_RDWR);
  ASSERT_GE(keeper, 0) << std::strerror(errno);
  const int reader_fd = ::open(fifo.c_str(), O_RDONLY);
  ASSERT_GE(reader_fd, 0) << std::strerror(errno);
  std::string received;
  std::thread reader([&] {
    char buf[65536];
    for (ssize_t n; (n = ::read(reader_fd, buf, sizeof buf)) > 0;)
      received.append(buf, static_cast<std::size_t>(n));
    ::close(reader_fd);
  });
  const ProcessResult r = run({"--json", fifo, "--csv", path("r.csv")});
  ::close(keeper);
  reader.join();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode)) << "the FIFO was replaced";
  ASSERT_FALSE(received.empty()) << "nothing came through the FIFO";
  EXPECT_EQ(nlohmann::json::parse(received)["schema"], "pjbit.report/1");
  EXPECT_TRUE(file_exists(path("r.csv")));
  EXPECT_TRUE(temporaries(m_dir.path()).empty());
}

TEST_F(Outputs, ACharacterDeviceIsWrittenInPlaceNeverReplaced) {
  const std::string null = make_device(m_dir, "null", 3);
  bool checked = false;
  if (!null.empty()) {
    const ProcessResult r = run({"--json", null, "--csv", path("r.csv")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_TRUE(is_device(null, 1, 3)) << "the device node was replaced by a file";
    EXPECT_TRUE(file_exists(path("r.csv")));
    EXPECT_TRUE(temporaries(m_dir.path()).empty());
    checked = true;
  }
  // /dev/null itself, only now that it cannot be replaced (and checked only afterwards).
  if (!may_use_system_device(checked)) GTEST_SKIP() << "cannot make a device node to check first";
  const ProcessResult r = run({"--json", "/dev/null", "--csv", "/dev/null"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(is_device("/dev/null", 1, 3)) << "/dev/null is no longer the null device";
  EXPECT_TRUE(temporaries("/dev").empty());
}

TEST_F(Outputs, AFullDeviceFailsWithTheReasonAndNoOutputAppears) {
  const std::string full = make_device(m_dir, "full", 7);
  bool checked = false;
  if (!full.empty()) {
    const ProcessResult r = run({"--json", path("r.json"), "--csv", full});
    expect_refused(r, R"(^error: .*/full: cannot write file: No space left on device\n$)");
    ASSERT_TRUE(is_device(full, 1, 7)) << "the device node was replaced by a file";
    EXPECT_FALSE(file_exists(path("r.json"))) << "one output appeared without the other";
    EXPECT_TRUE(temporaries(m_dir.path()).empty());
    checked = true;
  }
  if (!may_use_system_device(checked)) GTEST_SKIP() << "cannot make a device node to check first";
  for (const char* option : {"--csv", "--trace", "--vcd", "--html"}) {
    const ProcessResult r = run({"--json", path("r.json"), option, "/dev/full"});
    expect_refused(r, R"(^error: /dev/full: cannot write file: No space left on device\n$)");
    EXPECT_TRUE(is_device("/dev/full", 1, 7)) << "/dev/full is no longer the full device";
    EXPECT_FALSE(file_exists(path("r.json"))) << option;
  }
}

TEST_F(Outputs, DashIsStandardOutput) {
  // Without --quiet: the summary table stays off standard output, which carries the JSON alone.
  const ProcessResult json = run({"--json", "-"}, /*quiet=*/false);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(nlohmann::json::parse(json.out)["schema"], "pjbit.report/1");
  EXPECT_FALSE(file_exists(path("-")));

  const ProcessResult csv = run({"--csv", "-", "--json", path("r.json")});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.rfind("platform,workload,ranks,", 0), 0u) << csv.out;
  EXPECT_EQ(count_lines(csv.out), 2) << csv.out;
  EXPECT_TRUE(file_exists(path("r.json")));

  // (Paths under /proc, never /dev/stdout: a program that wrongly replaced the path could not harm /proc.)
  const ProcessResult twice = run({"--json", "-", "--csv", "/proc/self/fd/1"});
  expect_refused(twice, R"(/proc/self/fd/1: --csv: standard output is already the output of --json)");
}

TEST_F(Outputs, DescriptorPathsAreWrittenThroughTheDescriptor) {
  // Standard output onto a file opened for appending, and descriptor 3 likewise: appended to, never replaced
  // or rewritten from its start, as a shell redirection would. (/proc/self/fd/1 and /dev/fd/3 rather than
  // /dev/stdout: a program that wrongly replaced the path could not harm /proc, where /dev/fd leads.)
  m_dir.write("log.txt", "earlier line\n");
  m_dir.write("log3.txt", "earlier line 3\n");
  const std::string command =
      "cd " + m_dir.path() + " && " + pjbit::testing::binary() +
      " run plat.yaml work.yaml --quiet --json /proc/self/fd/1 --csv /dev/fd/3 >> log.txt "
      "3>> log3.txt 2> err.txt";
  ASSERT_EQ(std::system(command.c_str()), 0) << read_file(path("err.txt"));
  const std::string log = read_file(path("log.txt"));
  ASSERT_EQ(log.rfind("earlier line\n", 0), 0u) << log.substr(0, 200);
  EXPECT_EQ(nlohmann::json::parse(log.substr(13))["schema"], "pjbit.report/1");
  const std::string log3 = read_file(path("log3.txt"));
  EXPECT_EQ(log3.rfind("earlier line 3\nplatform,workload,", 0), 0u) << log3;
  EXPECT_TRUE(temporaries(m_dir.path()).empty());
  // A descriptor that is not open is refused before the run.
  expect_refused(
      run({"--json", "/dev/fd/987654"}),
      R"(^error: /dev/fd/987654: --json: cannot write to file descriptor 987654: it is not open for writing\n$)");
}

TEST_F(Outputs, DescriptorsPjbitWasNotGivenOrAlreadyWritesAreRefused) {
  // Through a shell, in the test's folder: exit code and stderr. Descriptors 3 to 9 are closed for pjbit
  // unless the command opens them.
  const auto shell = [&](const std::string& args) {
    const std::string command = "cd " + m_dir.path() + " && " + pjbit::testing::binary() +
                                " run plat.yaml work.yaml --quiet " + args + " 2> err.txt";
    const int status = std::system(command.c_str());
    return std::make_pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, read_file(path("err.txt")));
  };
  const auto expect_one_error = [](const std::pair<int, std::string>& r, const std::string& expect) {
    EXPECT_EQ(r.first, 2) << r.second;
    EXPECT_EQ(count_lines(r.second), 1) << r.second;
    EXPECT_TRUE(std::regex_search(r.second, std::regex(expect))) << r.second << "expected: " << expect;
  };
  const std::string closed = "3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-";

  // The descriptors pjbit opens itself (here the temporary of --json and its lock) are never written through
  // /dev/fd/N: that would write the CSV into the report.
  for (int fd = 3; fd <= 9; ++fd) {
    const std::string n = std::to_string(fd);
    expect_one_error(shell("--json r.json --csv /dev/fd/" + n + " " + closed),
                     "^error: /dev/fd/" + n + ": --csv: cannot write to file descriptor " + n +
                         ": it is (not open for writing|not one pjbit was given)");
    EXPECT_FALSE(file_exists(path("r.json"))) << fd;
    EXPECT_TRUE(temporaries(m_dir.path()).empty()) << fd;
  }

  // /dev/stdin is descriptor 0, here open for reading only: refused, and the file behind it left as it was
  // (not replaced, as following the link to its file would do).
  const std::string workload = read_file(m_workload);
  expect_one_error(
      shell("--json /dev/stdin < work.yaml"),
      "^error: /dev/stdin: --json: cannot write to file descriptor 0: it is not open for writing");
  EXPECT_EQ(read_file(m_workload), workload);

  // A descriptor onto a file that another output replaces: what it wrote would be lost.
  m_dir.write("r.json", "old\n");
  expect_one_error(shell("--json r.json --csv /dev/fd/3 3>> r.json"),
                   "^error: /dev/fd/3: --csv: is the same file as the output of --json");
  EXPECT_EQ(read_file(path("r.json")), "old\n");
  expect_one_error(shell("--json /dev/fd/3 --csv r.json 3>> r.json"),
                   "^error: r.json: --csv: is the same file as the output of --json");
  EXPECT_EQ(read_file(path("r.json")), "old\n");

  // A number beyond any descriptor.
  expect_one_error(shell("--json /dev/fd/99999999999999999999"),
                   "^error: /dev/fd/99999999999999999999: --json: cannot write to file descriptor "
                   "99999999999999999999: it is not open for writing");
  EXPECT_TRUE(temporaries(m_dir.path()).empty());
}

TEST_F(Outputs, ALinkPlantedAtATemporaryNameIsNeverFollowed) {
  TempDir elsewhere;
  const std::string victim = elsewhere.write("precious", "precious\n");
  // The program once wrote OUT.tmp.PID (and opened it with O_TRUNC to check writability): plant links at the
  // names of the next process ids.
  int last = 0;
  std::ifstream("/proc/sys/kernel/ns_last_pid") >> last;
  std::vector<std::string> links;
  for (int pid = last + 1; last > 0 && pid <= last + 1000; ++pid) {
    for (const char* out : {"r.json", "r.csv"}) {
      const std::string link = path(out) + ".tmp." + std::to_string(pid);
      if (::symlink(victim.c_str(), link.c_str()) == 0) links.push_back(link);
    }
  }
  const ProcessResult r = run({"--json", path("r.json"), "--csv", path("r.csv")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(victim), "precious\n") << "a planted link was followed";
  for (const std::string& link : links)
    EXPECT_TRUE(fs::is_symlink(link)) << link;
  EXPECT_EQ(nlohmann::json::parse(read_file(path("r.json")))["schema"], "pjbit.report/1");
  EXPECT_FALSE(fs::is_symlink(path("r.json")));
}

TEST_F(Outputs, ALinkToAFileReplacesThatFileAndStays) {
  fs::create_directories(path("real"));
  m_dir.write("real/r.json", "old\n");
  ASSERT_EQ(::symlink("real/r.json", path("r.json").c_str()), 0);
  const ProcessResult r = run({"--json", path("r.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(path("r.json")));
  EXPECT_EQ(nlohmann::json::parse(read_file(path("real/r.json")))["schema"], "pjbit.report/1");
  EXPECT_TRUE(temporaries(path("real")).empty());
  EXPECT_TRUE(temporaries(m_dir.path()).empty());

  // A link to nothing is refused: the program does not create files where a link says.
  ASSERT_EQ(::symlink("real/nothing.json", path("dangling.json").c_str()), 0);
  expect_refused(run({"--json", path("dangling.json")}),
                 R"(dangling\.json: cannot write file: it is a symbolic link to a file that does not exist)");
  EXPECT_FALSE(file_exists(path("real/nothing.json")));
}

TEST_F(Outputs, RefusedOutputsLeaveEveryFileAsItWas) {
  m_dir.write("r.json", "old\n");
  fs::create_directories(path("folder"));
  const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string socket_path = path("sock");
  ASSERT_LT(socket_path.size(), sizeof addr.sun_path);
  std::strcpy(addr.sun_path, socket_path.c_str());
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const struct {
    std::vector<std::string> args;
    std::string expect;
  } cases[] = {
      {{"--csv", path("folder")}, R"(folder: cannot write file: it is a folder)"},
      {{"--csv", path("nowhere/r.csv")}, R"(nowhere/r\.csv: cannot write file: No such file or directory)"},
      {{"--csv", path("r.json/x.csv")}, R"(r\.json/x\.csv: cannot write file: Not a directory)"},
      {{"--csv", socket_path}, R"(sock: cannot write file: it is a socket)"},
      {{"--csv", ""}, R"(^error: --csv: expected a file name, got ""\n$)"},
      {{"--csv", path("r.json")}, R"(r\.json: --csv: is the same file as the output of --json)"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"--json", path("r.json")};
    args.insert(args.end(), c.args.begin(), c.args.end());
    expect_refused(run(args), c.expect);
    EXPECT_EQ(read_file(path("r.json")), "old\n") << c.expect;
    EXPECT_TRUE(temporaries(m_dir.path()).empty()) << c.expect;
  }
  ::close(sock);
}

TEST_F(Outputs, OutputsAreRefusedBeforeTheRun) {
  // A run of a minute or more, refused at once for its output.
  const std::string long_run = m_dir.write("long.yaml",
                                           "name: long\nsteps:\n  - collective: all_reduce\n"
                                           "    size: 64 GiB\n");
  const ProcessResult r = run_program(
      {"run", m_platform, long_run, "--set", "engine=packet", "--json", path("nowhere/r.json")}, 20.0);
  EXPECT_FALSE(r.timed_out);
  expect_refused(r, R"(nowhere/r\.json: cannot write file: No such file or directory)");
}

TEST_F(Outputs, AFailedWriteLeavesNoneOfTheOutputs) {
  // The sizes of the report and the trace of this run, to put the file size limit between them.
  ASSERT_EQ(run({"--json", path("a.json"), "--trace", path("a.trace")}).exit_code, 0);
  const auto json_size = fs::file_size(path("a.json"));
  const auto trace_size = fs::file_size(path("a.trace"));
  ASSERT_LT(json_size + 1000, trace_size);
  fs::remove(path("a.json"));
  fs::remove(path("a.trace"));

  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  rlimit limit = old;
  limit.rlim_cur = (json_size + trace_size) / 2;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limit), 0);
  const ProcessResult r = run({"--json", path("a.json"), "--trace", path("a.trace")});
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  expect_refused(r, R"(^error: .*a\.trace: cannot write file: File too large\n$)");
  EXPECT_FALSE(file_exists(path("a.json"))) << "the report appeared without the trace";
  EXPECT_FALSE(file_exists(path("a.trace")));
  EXPECT_TRUE(temporaries(m_dir.path()).empty());
}

TEST_F(Outputs, NewFilesTakeTheUmask) {
  const mode_t old = ::umask(027);
  const ProcessResult r = run({"--json", path("r.json")});
  ::umask(old);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat(path("r.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
}

// A workload whose steps name parallelism dimensions gets step_breakdown in its report and table, per
// iteration; others get neither.
TEST_F(Outputs, StepBreakdownAppearsWhenStepsNameDimensions) {
  const std::string tagged =
      m_dir.write("tagged.yaml",
                  "name: tagged\ngraph: true\niterations: 2\nsteps:\n"
                  "  - { id: f, compute: { duration: 1 ms } }\n"
                  "  - { collective: all_reduce, size: 4 MiB, dim: dp, after: [f] }\n");
  const ProcessResult r = run_program({"run", m_platform, tagged, "--json", "-"}, 60.0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& b = j.at("step_breakdown");
  EXPECT_NEAR(b.at("compute_s").get<double>(), 1e-3, 1e-12);
  const double dp = b.at("exposed_comm_s").at("dp").get<double>();
  EXPECT_GT(dp, 0.0);
  EXPECT_EQ(b.at("exposed_comm_s").at("tp").get<double>(), 0.0);
  EXPECT_NEAR(b.at("compute_s").get<double>() + b.at("bubble_s").get<double>() + dp,
              j.at("sim_time_s").get<double>() / 2, 1e-12);
  const ProcessResult table = run_program({"run", m_platform, tagged}, 60.0);
  EXPECT_NE(table.out.find("step time split"), std::string::npos) << table.out;

  const ProcessResult plain = run({"--json", "-"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(nlohmann::json::parse(plain.out).contains("step_breakdown"));
}

}  // namespace test_outputs
}  // namespace
