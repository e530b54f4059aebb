// PacketLayer: see ARCHITECTURE.md.
