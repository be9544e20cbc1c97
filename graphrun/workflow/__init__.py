"""JSON -> typed workflow. Syntax only: no torch, no node knowledge.

`load_document` reads a UI workflow (schema 0.4 or 1), an API prompt, a `/prompt` POST body or a PNG with
embedded metadata, validates it against schemas/*.json and returns a `Document` with the typed model.
"""

from graphrun.workflow.api import ApiNode, ApiPrompt, is_link
from graphrun.workflow.load import Document, detect, dump, load_document, parse_document
from graphrun.workflow.ui import SubgraphDefinition, UILink, UINode, UIWorkflow, UIWorkflow1, UIWorkflow04

__all__ = [
    "ApiNode", "ApiPrompt", "Document", "SubgraphDefinition", "UILink", "UINode", "UIWorkflow", "UIWorkflow04",
    "UIWorkflow1", "detect", "dump", "is_link", "load_document", "parse_document",
]
