"""The head modules formats build (``Format.head``): torch modules on the encoder's hidden states.

Not a format: the registry skips this module, and format modules import it inside ``head`` only, so reading a config
never imports torch.
"""

from __future__ import annotations

import torch
from torch import nn


class ClassificationHead(nn.Module):
    """First-token (<s>/[CLS]) representation -> dense -> tanh -> labels, as in RoBERTa's classification head."""

    def __init__(self, hidden: int, num_labels: int, dropout: float):
        super().__init__()
        self.dense = nn.Linear(hidden, hidden)
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, num_labels)

    def forward(self, states):
        x = self.dropout(states[:, 0])
        return self.out(self.dropout(torch.tanh(self.dense(x))))


class TaggingHead(nn.Module):
    def __init__(self, hidden: int, num_labels: int, dropout: float):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, num_labels)

    def forward(self, states):
        return self.out(self.dropout(states))


class SpanHead(nn.Module):
    def __init__(self, hidden: int):
        super().__init__()
        self.out = nn.Linear(hidden, 2)

    def forward(self, states):
        start, end = self.out(states).unbind(-1)
        return start, end
