"""salur's transparency log: RFC 9162 Merkle tree, C2SP signed notes, checkpoints and receipts.

Pure core only: no database, web framework or clock. Storage plugs in through `tree.NodeStore`.
"""
