"""Reference geography: province > regency > kecamatan (PPK) > desa (PPS) > TPS, dapil, sites."""
