"""Browser UIs: the Gradio chat and the static widget files."""
