"""Frozen ImageNet-pretrained feature networks (our own definitions; weights converted into our format)."""
