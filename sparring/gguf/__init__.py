"""GGUF model files: where they are on this machine, what their headers say, and how
`sparring pull hf:OWNER/REPO` fetches them from the Hugging Face hub.

    quants.py    file names: quantisation, split parts, the preferred choice
    header.py    the GGUF header's metadata (context length), read with struct
    catalog.py   the files on this machine, and `local:NAME` -> a path
    hub.py       the hub: list a repo, choose a file, download it resumably and checked;
                 the only module that imports huggingface_hub
"""
