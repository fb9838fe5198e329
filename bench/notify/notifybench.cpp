// notifybench: the local webhook receiver of bench/notify_bench.sh, and its
// end-to-end latency driver. Loopback only; stops by itself.
//
//   notifybench recv --port P [--seconds S]
//       An epoll HTTP/1.1 server on 127.0.0.1:P that answers every request at
//       once with 200 (keep-alive, and "100 Continue" when asked). Every
//       200 ms it prints "ELAPSED_MS COUNT" (requests answered so far) on
//       stdout. Exits on SIGTERM/SIGINT or after S seconds (default 3600).
//
//   notifybench e2e --port P --send-port Q --path PATH --auth 'Bearer KEY'
//                   --format generic|amv2 --n 1000 --prefix S [--gap-ms 2]
//       Listens on 127.0.0.1:P like `recv`, then sends N alerts one by one to
//       127.0.0.1:Q PATH; for each, measures from just before the POST until
//       the receiver has read a request whose body names the alert's monitor
//       (alertname). Prints key=value results (p50/p99 of end-to-end and of
//       the POST answer alone). Gives up on an alert after 10 s (counted).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "../alerts/httpclient.hpp"

using Clock = std::chrono::steady_clock;

static std::atomic<bool> g_stop{false};
static void OnSignal(int) { g_stop = true; }

static std::atomic<long> g_count{0}, g_expect{0};

// Runs the receiver until g_stop; on_body is called for every request body.
static void Serve(int listen_fd, const std::function<void(const std::string&)>& on_body) {
  int ep = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  epoll_ctl(ep, EPOLL_CTL_ADD, listen_fd, &ev);
  std::unordered_map<int, std::string> bufs;
  std::unordered_map<int, bool> continued;
  static const std::string kOk = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";
  static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
  std::vector<epoll_event> events(256);
  char tmp[65536];
  while (!g_stop) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == listen_fd) {
        while (true) {
          int c = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK);
          if (c < 0) break;
          int one = 1;
          setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          epoll_event cev{};
          cev.events = EPOLLIN | EPOLLRDHUP;
          cev.data.fd = c;
          epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
          bufs[c];
        }
        continue;
      }
      std::string& buf = bufs[fd];
      bool closed = false;
      while (true) {
        ssize_t r = recv(fd, tmp, sizeof tmp, 0);
        if (r > 0) {
          buf.append(tmp, static_cast<std::size_t>(r));
          continue;
        }
        if (r == 0) closed = true;
        else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) closed = true;
        break;
      }
      // Answer every complete request in the buffer.
      while (true) {
        std::size_t hdr_end = buf.find("\r\n\r\n");
        if (hdr_end == std::string::npos) break;
        std::string cl = benchhttp::HeaderValue(buf, hdr_end, "content-length:");
        std::size_t len = cl.empty() ? 0 : std::strtoul(cl.c_str(), nullptr, 10);
        std::size_t total = hdr_end + 4 + len;
        if (buf.size() < total) {
          if (!continued[fd] && !benchhttp::HeaderValue(buf, hdr_end, "expect:").empty()) {
            continued[fd] = true;
            ++g_expect;
            send(fd, kContinue.data(), kContinue.size(), MSG_NOSIGNAL);
          }
          break;
        }
        continued[fd] = false;
        if (on_body) on_body(buf.substr(hdr_end + 4, len));
        send(fd, kOk.data(), kOk.size(), MSG_NOSIGNAL);
        ++g_count;
        buf.erase(0, total);
      }
      if (closed) {
        epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        bufs.erase(fd);
        continued.erase(fd);
      }
    }
  }
  for (auto& [fd, _] : bufs) close(fd);
  close(ep);
}

static int Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd, 4096) != 0) {
    std::perror("notifybench: bind/listen");
    std::exit(1);
  }
  return fd;
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: notifybench recv|e2e ...\n");
    return 2;
  }
  std::string mode = argv[1];
  int port = 0, send_port = 0, n = 1000;
  double seconds = 3600, gap_ms = 2;
  std::string path, auth, format = "generic", prefix = "e";
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") port = std::stoi(v);
    else if (k == "--seconds") seconds = std::stod(v);
    else if (k == "--send-port") send_port = std::stoi(v);
    else if (k == "--path") path = v;
    else if (k == "--auth") auth = v;
    else if (k == "--format") format = v;
    else if (k == "--n") n = std::stoi(v);
    else if (k == "--prefix") prefix = v;
    else if (k == "--gap-ms") gap_ms = std::stod(v);
    else {
      std::fprintf(stderr, "notifybench: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  signal(SIGPIPE, SIG_IGN);
  int lfd = Listen(port);

  if (mode == "recv") {
    auto start = Clock::now();
    std::thread server([&] { Serve(lfd, nullptr); });
    while (!g_stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      double el = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
      std::printf("%.0f %ld %ld\n", el, g_count.load(), g_expect.load());
      std::fflush(stdout);
      if (el > seconds * 1000) g_stop = true;
    }
    server.join();
    return 0;
  }
  if (mode != "e2e") return 2;

  // e2e: the receiver thread records when the awaited alert's name shows up.
  std::mutex mu;
  std::condition_variable cv;
  std::string awaited;
  bool arrived = false;
  Clock::time_point arrived_at;
  std::thread server([&] {
    Serve(lfd, [&](const std::string& body) {
      auto t = Clock::now();
      std::lock_guard lock(mu);
      if (!arrived && !awaited.empty() && body.find(awaited) != std::string::npos) {
        arrived = true;
        arrived_at = t;
        cv.notify_all();
      }
    });
  });
  benchhttp::Client client(send_port);
  std::string headers = auth.empty() ? "" : "Authorization: " + auth + "\r\n";
  std::vector<double> e2e, post;
  int timeouts = 0, failed = 0;
  for (int i = 0; i < n && !g_stop; ++i) {
    std::time_t now = std::time(nullptr);
    std::string body = format == "generic"
                           ? benchhttp::GenericAlert(prefix, i)
                           : "[" + benchhttp::AmAlert(prefix, i, benchhttp::Rfc3339(now), benchhttp::Rfc3339(now + 6 * 3600)) + "]";
    {
      std::lock_guard lock(mu);
      // The closing quote makes "bench-e-1" not match "bench-e-10".
      awaited = "bench-" + prefix + "-" + std::to_string(i) + "\"";
      arrived = false;
    }
    auto t0 = Clock::now();
    int status = client.Post(path, headers, body);
    auto t1 = Clock::now();
    if (status < 200 || status >= 300) {
      if (failed++ == 0) std::fprintf(stderr, "notifybench: status %d: %.300s\n", status, client.last_body.c_str());
      continue;
    }
    post.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, std::chrono::seconds(10), [&] { return arrived; })) {
      ++timeouts;
    } else {
      e2e.push_back(std::chrono::duration<double, std::milli>(arrived_at - t0).count());
    }
    lock.unlock();
    if (gap_ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(gap_ms));
  }
  g_stop = true;
  server.join();
  auto pct = [](std::vector<double> v, double p) {
    if (v.empty()) return 0.0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size())))];
  };
  std::printf("n=%d arrived=%zu timeouts=%d failed=%d e2e_p50_ms=%.3f e2e_p99_ms=%.3f e2e_max_ms=%.3f "
              "post_p50_ms=%.3f post_p99_ms=%.3f expect100=%ld\n",
              n, e2e.size(), timeouts, failed, pct(e2e, 50), pct(e2e, 99), pct(e2e, 100), pct(post, 50), pct(post, 99),
              g_expect.load());
  return (timeouts || failed) ? 1 : 0;
}
