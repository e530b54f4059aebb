// ScanClient: see ARCHITECTURE.md. Filled in by its issue.
import CCurl
