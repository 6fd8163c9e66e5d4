"""TPS kits: packages (kotak, bilik bundle, support set) with manifests, labels and seals."""
