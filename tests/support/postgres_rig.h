// A private PostgreSQL server for tests: initdb in a fresh temporary directory,
// postgres listening only on a unix socket in that directory (no TCP, so tests
// never clash over ports or touch a system server), stopped and removed when
// the rig is destroyed. Needs the Debian postgresql package (initdb and pg_ctl
// under /usr/lib/postgresql/<version>/bin). PostgreSQL refuses to run as root,
// so as root the server runs as the `postgres` user via runuser.
#ifndef RCPTGUARD_TESTS_SUPPORT_POSTGRES_RIG_H_
#define RCPTGUARD_TESTS_SUPPORT_POSTGRES_RIG_H_

#include <glob.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace rcptguard::testing_support {

class PostgresRig {
 public:
  // Starts a server; on failure returns nullptr and sets *error to what went
  // wrong (with the end of the server's log when it got that far).
  static std::unique_ptr<PostgresRig> Start(std::string* error) {
    std::unique_ptr<PostgresRig> rig(new PostgresRig());
    if (!rig->DoStart(error)) return nullptr;
    return rig;
  }

  ~PostgresRig() {
    if (started_) {
      Run(bin_ + "/pg_ctl -D " + data_ + " -m fast -w -t 60 stop >>" + dir_ + "/pg_ctl.log 2>&1");
    }
    if (!dir_.empty()) Run("rm -rf " + dir_);
  }
  PostgresRig(const PostgresRig&) = delete;
  PostgresRig& operator=(const PostgresRig&) = delete;

  // A URL for database `name` on this server, as a user would configure it.
  std::string Url(const std::string& name) const {
    return "postgresql://postgres@/" + name + "?host=" + dir_;
  }

  // Creates an empty database; returns its URL, or "" (and sets *error).
  std::string CreateDatabase(const std::string& name, std::string* error) const {
    PGconn* conn = PQconnectdb(Url("postgres").c_str());
    std::string url;
    if (PQstatus(conn) != CONNECTION_OK) {
      *error = PQerrorMessage(conn);
    } else {
      PGresult* result = PQexec(conn, ("CREATE DATABASE " + name).c_str());
      if (PQresultStatus(result) == PGRES_COMMAND_OK) {
        url = Url(name);
      } else {
        *error = PQresultErrorMessage(result);
      }
      PQclear(result);
    }
    PQfinish(conn);
    return url;
  }

  const std::string& socket_dir() const { return dir_; }

 private:
  PostgresRig() = default;

  // Runs a shell command, as the postgres user when we are root.
  int Run(const std::string& command) const {
    std::string line = as_postgres_ ? "runuser -u postgres -- sh -c '" + command + "'" : command;
    return std::system(line.c_str());
  }

  static std::string NewestBinDir() {
    glob_t found{};
    std::string best;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, nullptr, &found) == 0) {
      std::vector<std::string> paths(found.gl_pathv, found.gl_pathv + found.gl_pathc);
      // Versions are whole numbers from 10 on: compare numerically.
      std::sort(paths.begin(), paths.end(), [](const std::string& a, const std::string& b) {
        return std::atoi(a.c_str() + 20) < std::atoi(b.c_str() + 20);
      });
      if (!paths.empty()) best = paths.back().substr(0, paths.back().size() - 7);
    }
    globfree(&found);
    return best;
  }

  std::string LogTail() const {
    std::string tail;
    FILE* pipe = popen(("tail -n 15 " + dir_ + "/*.log 2>/dev/null").c_str(), "r");
    if (pipe == nullptr) return tail;
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) tail.append(buffer, n);
    pclose(pipe);
    return tail;
  }

  bool DoStart(std::string* error) {
    bin_ = NewestBinDir();
    if (bin_.empty()) {
      *error = "no /usr/lib/postgresql/*/bin/initdb: install the postgresql package";
      return false;
    }
    // /tmp, not a deep build path: a unix socket path must fit in 107 bytes.
    char dir_template[] = "/tmp/rcptguard-pg-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) {
      *error = "mkdtemp failed";
      return false;
    }
    dir_ = dir_template;
    data_ = dir_ + "/data";
    as_postgres_ = geteuid() == 0;
    if (as_postgres_) {
      passwd* user = getpwnam("postgres");
      if (user == nullptr || chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0) {
        *error = "running as root needs a postgres user to run the server as";
        return false;
      }
    }
    // -N: no fsync, as the server runs with fsync=off; the data is thrown away.
    if (Run(bin_ + "/initdb -D " + data_ + " -U postgres --auth=trust -N -E UTF8 --locale=C " +
            ">" + dir_ + "/initdb.log 2>&1") != 0) {
      *error = "initdb failed:\n" + LogTail();
      return false;
    }
    // listen_addresses empty: unix socket only, in our own directory.
    std::string options =
        "-k " + dir_ +
        " -c listen_addresses= -c fsync=off -c synchronous_commit=off -c full_page_writes=off";
    if (Run(bin_ + "/pg_ctl -D " + data_ + " -l " + dir_ + "/server.log -o \"" + options +
            "\" start >" + dir_ + "/pg_ctl.log 2>&1") != 0) {
      *error = "pg_ctl start failed:\n" + LogTail();
      return false;
    }
    started_ = true;
    // Poll until the server accepts connections (it replays nothing on a
    // fresh cluster, so this is quick); give up after 60 s.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      if (PQping(Url("postgres").c_str()) == PQPING_OK) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    *error = "postgres did not accept connections within 60 s:\n" + LogTail();
    return false;
  }

  std::string bin_;   // /usr/lib/postgresql/<version>/bin
  std::string dir_;   // temporary directory: data/, the socket, logs
  std::string data_;  // the cluster
  bool as_postgres_ = false;
  bool started_ = false;
};

}  // namespace rcptguard::testing_support

#endif  // RCPTGUARD_TESTS_SUPPORT_POSTGRES_RIG_H_
