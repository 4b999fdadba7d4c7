import CSystemd

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a unit's log lines from the journal, as `journalctl -u UNIT` selects them: what the
/// unit's processes wrote, and what systemd itself said about the unit.
public enum Journal {
  /// The realtime clock, in the journal's microseconds: take it before starting a unit to read
  /// only the lines of that attempt.
  public static func now() -> UInt64 { realtimeMicroseconds() }

  /// The last `limit` lines about `unit` logged at or after `since` (microseconds since the
  /// epoch), oldest first, each as `IDENTIFIER: MESSAGE`.
  public static func lines(of unit: String, since: UInt64 = 0, limit: Int = 20) throws -> [String] {
    synchronize()
    var journal: OpaquePointer? = nil
    let opened = sd_journal_open(&journal, Int32(SD_JOURNAL_LOCAL_ONLY))
    if opened < 0 { throw SystemdError("open the journal", errno: opened) }
    defer { sd_journal_close(journal) }
    // _SYSTEMD_UNIT=unit OR (_PID=1 AND UNIT=unit)
    for (index, match) in ["_SYSTEMD_UNIT=" + unit, "_PID=1", "UNIT=" + unit].enumerated() {
      if index == 1 { _ = sd_journal_add_disjunction(journal) }
      let added = match.withCString { sd_journal_add_match(journal, $0, 0) }
      if added < 0 { throw SystemdError("filter the journal", errno: added) }
    }
    _ = sd_journal_seek_realtime_usec(journal, since)
    var lines: [String] = []
    while sd_journal_next(journal) > 0 {
      guard let message = field(journal, "MESSAGE") else { continue }
      let identifier = field(journal, "SYSLOG_IDENTIFIER") ?? field(journal, "_COMM") ?? "?"
      lines.append(identifier + ": " + message)
      if lines.count > limit { lines.removeFirst() }
    }
    return lines
  }

  /// Asks journald to write out what it has received (`journalctl --sync`), so that the lines
  /// a unit printed just before it failed are there to read. Only root may ask.
  static func synchronize() {
    guard geteuid() == 0 else { return }
    _ = system("journalctl --sync >/dev/null 2>&1")
  }

  /// One field of the current entry, without its `NAME=` prefix.
  static func field(_ journal: OpaquePointer?, _ name: String) -> String? {
    var data: UnsafeRawPointer? = nil
    var length = 0
    guard sd_journal_get_data(journal, name, &data, &length) >= 0, let data else { return nil }
    let bytes = UnsafeRawBufferPointer(start: data, count: length).dropFirst(name.utf8.count + 1)
    return String(decoding: bytes, as: UTF8.self)
  }
}
