"""Zan machine learning: embedders, report routing, legal retrieval. No web framework imports here."""
