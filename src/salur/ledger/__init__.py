"""salur's transparency log: RFC 9162 Merkle tree, C2SP signed notes, checkpoints and receipts.

Pure core (no database, web framework or clock): merkle, tree, note, keys, checkpoint,
cosignature, tlogproof. Storage plugs in through `tree.NodeStore`: models, repository, service,
cosigning and audit keep the log in the database; witness and keyfile keep keys and witness state
in files; verify checks a receipt offline.
"""
