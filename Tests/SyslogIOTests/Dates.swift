import Foundation

/// 2026-11-25 22:45 UTC: the instant the syslog tests stamp their lines with.
let lateNovember = Date(timeIntervalSince1970: 1_795_646_700)
