// The watch of the program's thread_local variables (tls_watch.hpp).
#include "tls_watch.hpp"

#include <cxxabi.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace lockstep::rt::tls_watch {

namespace {

struct tls_var {
  std::size_t module;  // dlpi_tls_modid
  std::size_t offset;  // in the module's TLS block (st_value of an STT_TLS symbol)
  std::size_t size;
  std::string name;  // demangled
};

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// Shared objects of the system (libc, libstdc++, the sanitizer runtimes, Boost) and the
// vDSO: their thread_locals are the implementation's.
bool system_module(const char* path) {
  return !path || !*path || std::strncmp(path, "/usr/", 5) == 0 ||
         std::strncmp(path, "/lib", 4) == 0 || std::strstr(path, "linux-vdso") != nullptr;
}

std::string demangle(const char* raw) {
  int status = 0;
  char* d = abi::__cxa_demangle(raw, nullptr, nullptr, &status);
  if (status != 0 || !d) return raw;
  std::string s(d);
  std::free(d);
  return s;
}

// Not the program's: the checker's and the harness's own (lockstep::rt, lockstep::detail),
// the standard library's, and reserved names (__tls_guard, the sanitizers', libc's); guard
// variables of dynamically initialised thread_locals (set once, by the first user).
bool own_variable(const char* raw, const std::string& name) {
  return std::strncmp(raw, "__", 2) == 0 || std::strncmp(raw, "_ZGV", 4) == 0 ||
         starts_with(name, "__") || starts_with(name, "lockstep::rt::") ||
         starts_with(name, "lockstep::detail::") || starts_with(name, "std::") ||
         starts_with(name, "__gnu_cxx::") || starts_with(name, "boost::") ||
         starts_with(name, "guard variable for ");
}

// The STT_TLS symbols defined in the ELF file at `path` (its symbol table; without one, a
// stripped file, its dynamic symbols).
void read_symbols(const char* path, std::size_t module, std::vector<tls_var>& out) {
  const int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(sizeof(ElfW(Ehdr)))) {
    ::close(fd);
    return;
  }
  const auto len = static_cast<std::size_t>(st.st_size);
  void* map = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return;
  const auto* base = static_cast<const unsigned char*>(map);
  const auto* eh = reinterpret_cast<const ElfW(Ehdr)*>(base);
  const bool elf = std::memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0 && eh->e_shoff != 0 &&
                   eh->e_shentsize == sizeof(ElfW(Shdr)) &&
                   eh->e_shoff + std::size_t{eh->e_shnum} * sizeof(ElfW(Shdr)) <= len;
  if (elf) {
    const auto* sh = reinterpret_cast<const ElfW(Shdr)*>(base + eh->e_shoff);
    const ElfW(Shdr)* table = nullptr;
    for (int want : {SHT_SYMTAB, SHT_DYNSYM}) {
      for (unsigned i = 0; i < eh->e_shnum && !table; ++i)
        if (sh[i].sh_type == static_cast<ElfW(Word)>(want)) table = &sh[i];
      if (table) break;
    }
    if (table && table->sh_link < eh->e_shnum && table->sh_entsize == sizeof(ElfW(Sym)) &&
        table->sh_offset + table->sh_size <= len &&
        sh[table->sh_link].sh_offset + sh[table->sh_link].sh_size <= len) {
      const auto* syms = reinterpret_cast<const ElfW(Sym)*>(base + table->sh_offset);
      const std::size_t n = table->sh_size / sizeof(ElfW(Sym));
      const char* strs = reinterpret_cast<const char*>(base + sh[table->sh_link].sh_offset);
      const std::size_t strs_len = sh[table->sh_link].sh_size;
      for (std::size_t i = 0; i < n; ++i) {
        const ElfW(Sym)& s = syms[i];
        if (ELF64_ST_TYPE(s.st_info) != STT_TLS || s.st_shndx == SHN_UNDEF || s.st_size == 0 ||
            s.st_name >= strs_len)
          continue;
        const char* raw = strs + s.st_name;
        std::string name = demangle(raw);
        if (own_variable(raw, name)) continue;
        out.push_back({module, s.st_value, s.st_size, std::move(name)});
      }
    }
  }
  ::munmap(map, len);
}

struct scan_state {
  std::vector<tls_var> vars;
  bool first = true;
};

int scan_module(dl_phdr_info* info, std::size_t, void* data) {
  auto& st = *static_cast<scan_state*>(data);
  const bool main_program = st.first;  // (dl_iterate_phdr reports the executable first)
  st.first = false;
  if (info->dlpi_tls_modid == 0) return 0;  // no PT_TLS segment
  if (main_program)
    read_symbols("/proc/self/exe", info->dlpi_tls_modid, st.vars);
  else if (!system_module(info->dlpi_name))
    read_symbols(info->dlpi_name, info->dlpi_tls_modid, st.vars);
  return 0;
}

const std::vector<tls_var>& program_variables() {
  static const std::vector<tls_var> vars = [] {
    scan_state st;
    ::dl_iterate_phdr(&scan_module, &st);
    return std::move(st.vars);
  }();
  return vars;
}

// This OS thread's copy of each variable (null: its module's block is not allocated here).
struct located_var {
  unsigned char* addr;
  const tls_var* var;
};
int locate_module(dl_phdr_info* info, std::size_t, void* data) {
  auto& out = *static_cast<std::vector<located_var>*>(data);
  if (info->dlpi_tls_modid == 0 || !info->dlpi_tls_data) return 0;
  for (const tls_var& v : program_variables())
    if (v.module == info->dlpi_tls_modid)
      out.push_back({static_cast<unsigned char*>(info->dlpi_tls_data) + v.offset, &v});
  return 0;
}
const std::vector<located_var>& on_this_thread() {
  thread_local const std::vector<located_var> located = [] {
    std::vector<located_var> out;
    ::dl_iterate_phdr(&locate_module, &out);
    return out;
  }();
  return located;
}

std::string where(int tid, source_loc next, bool finished) {
  std::string s = "thread " + std::to_string(tid);
  if (finished) return s + " before it finished";
  return next.file ? s + " before its operation at " + to_string(next) : s;
}

}  // namespace

bool any() noexcept {
  static const bool found = [] {
    try {
      return !program_variables().empty();
    } catch (...) {
      return false;
    }
  }();
  return found;
}

session::session() {
  const auto& located = on_this_thread();
  std::size_t bytes = 0;
  for (const located_var& l : located) bytes += l.var->size;
  copy_.resize(bytes);
  vars_.reserve(located.size());
  std::size_t at = 0;
  for (const located_var& l : located) {
    vars_.push_back({l.addr, l.var->size, at, &l.var->name});
    std::memcpy(copy_.data() + at, l.addr, l.var->size);
    at += l.var->size;
  }
}

std::string session::check(int tid, source_loc next, bool finished) {
  for (var& v : vars_) {
    unsigned char* copy = copy_.data() + v.copy;
    if (std::memcmp(copy, v.addr, v.size) == 0) continue;
    std::memcpy(copy, v.addr, v.size);
    if (v.writer < 0 || v.writer == tid) {
      v.writer = tid;
      v.writer_next = next;
      v.writer_finished = finished;
      continue;
    }
    return "thread_local `" + *v.name + "` is shared by simulated threads " +
           std::to_string(v.writer) + " and " + std::to_string(tid) +
           " (they run on one OS thread): use P::thread_local_var — written by " +
           where(v.writer, v.writer_next, v.writer_finished) + " and by " +
           where(tid, next, finished);
  }
  return {};
}

}  // namespace lockstep::rt::tls_watch
