// alertload: sends TOTAL distinct alerts to one HTTP endpoint on 127.0.0.1,
// BATCH alerts per request, over CONNS keep-alive connections (one thread
// each), and prints one line of key=value results.
//
//   alertload --port P --path /api/integrations/generic --auth 'Bearer KEY'
//             --format generic|amv2 --batch 1 --total 100000 --conns 32
//             [--rate R] [--prefix S] [--max-seconds T]
//
// Without --rate: closed loop, as fast as the server answers (peak rate).
// With --rate R (requests/s): open loop, request k is due at start + k/R;
// `lat_*` is measured from the due time (so queueing behind a slow answer
// counts: no coordinated omission), `svc_*` from the actual send.
// --max-seconds T: stop starting requests after T seconds (the line then says
// how many alerts were actually sent; rates are over what was sent).
// Exit status 1 if any request failed or answered non-2xx.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "httpclient.hpp"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  int port = 0, conns = 32;
  long batch = 1, total = 100000;
  double rate = 0, max_seconds = 0;
  std::string path = "/api/integrations/generic", auth, format = "generic", prefix = "p";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") port = std::stoi(v);
    else if (k == "--path") path = v;
    else if (k == "--auth") auth = v;
    else if (k == "--format") format = v;
    else if (k == "--batch") batch = std::stol(v);
    else if (k == "--total") total = std::stol(v);
    else if (k == "--conns") conns = std::stoi(v);
    else if (k == "--rate") rate = std::stod(v);
    else if (k == "--prefix") prefix = v;
    else if (k == "--max-seconds") max_seconds = std::stod(v);
    else {
      std::fprintf(stderr, "alertload: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (port == 0 || batch < 1 || total < batch) {
    std::fprintf(stderr, "alertload: needs --port, batch >= 1, total >= batch\n");
    return 2;
  }
  const long requests = total / batch;
  std::string headers = auth.empty() ? "" : "Authorization: " + auth + "\r\n";
  std::time_t now = std::time(nullptr);
  std::string starts = benchhttp::Rfc3339(now), ends = benchhttp::Rfc3339(now + 6 * 3600);

  std::atomic<long> next{0}, failed{0}, done_requests{0};
  std::atomic<int> first_status{0};
  std::vector<std::vector<double>> lat(conns), svc(conns);
  auto start = Clock::now();
  auto worker = [&](int t) {
    benchhttp::Client c(port);
    lat[t].reserve(static_cast<std::size_t>(requests / conns + 16));
    svc[t].reserve(static_cast<std::size_t>(requests / conns + 16));
    std::string body;
    for (long k = next++; k < requests; k = next++) {
      if (max_seconds > 0 && std::chrono::duration<double>(Clock::now() - start).count() > max_seconds) break;
      Clock::time_point due = start;
      if (rate > 0) {
        due = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(k / rate));
        std::this_thread::sleep_until(due);
      }
      body.clear();
      if (format == "generic") {
        if (batch > 1) body = "{\"alerts\":[";
        for (long j = 0; j < batch; ++j) {
          if (j) body += ',';
          body += benchhttp::GenericAlert(prefix, k * batch + j);
        }
        if (batch > 1) body += "]}";
      } else {
        body = "[";
        for (long j = 0; j < batch; ++j) {
          if (j) body += ',';
          body += benchhttp::AmAlert(prefix, k * batch + j, starts, ends);
        }
        body += "]";
      }
      auto sent = Clock::now();
      int status = c.Post(path, headers, body);
      auto done = Clock::now();
      ++done_requests;
      if (status < 200 || status >= 300) {
        if (failed++ == 0) {
          first_status = status;
          std::fprintf(stderr, "alertload: status %d: %.300s\n", status, c.last_body.c_str());
        }
      }
      svc[t].push_back(std::chrono::duration<double, std::milli>(done - sent).count());
      if (rate > 0) lat[t].push_back(std::chrono::duration<double, std::milli>(done - due).count());
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < conns; ++t) threads.emplace_back(worker, t);
  for (auto& th : threads) th.join();
  double secs = std::chrono::duration<double>(Clock::now() - start).count();

  auto pct = [](std::vector<std::vector<double>>& parts, double p) {
    std::vector<double> all;
    for (auto& v : parts) all.insert(all.end(), v.begin(), v.end());
    if (all.empty()) return 0.0;
    std::sort(all.begin(), all.end());
    std::size_t idx = std::min(all.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(all.size())));
    return all[idx];
  };
  const long sent = done_requests.load();
  std::printf("requests=%ld alerts=%ld seconds=%.3f req_per_s=%.1f alerts_per_s=%.1f failed=%ld "
              "svc_p50_ms=%.3f svc_p99_ms=%.3f svc_max_ms=%.3f",
              sent, sent * batch, secs, sent / secs, sent * batch / secs, failed.load(),
              pct(svc, 50), pct(svc, 99), pct(svc, 100));
  if (rate > 0) {
    std::printf(" target_rate=%.1f lat_p50_ms=%.3f lat_p99_ms=%.3f lat_p999_ms=%.3f lat_max_ms=%.3f", rate,
                pct(lat, 50), pct(lat, 99), pct(lat, 99.9), pct(lat, 100));
  }
  std::printf("\n");
  return failed.load() ? 1 : 0;
}
