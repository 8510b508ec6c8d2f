"""``torchvision.models`` namespace (placeholder).

No architectures or pretrained weights ship yet; models come later. The namespace exists so that
``import torchvision.models`` resolves; it deliberately defines nothing that pretends to be a model.
"""
__all__: list = []
