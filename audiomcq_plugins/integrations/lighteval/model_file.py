"""The model file for lighteval's custom-model route (``audiomcq lighteval-model-file`` prints
its path)::

    lighteval custom "pretrained=DIR,batch_size=8" "$(audiomcq lighteval-model-file)" \
        "mmau_test_mini|0" --custom-tasks audiomcq_plugins.integrations.lighteval

lighteval instantiates the first ``LightevalModel`` subclass it finds here with its
``CustomModelConfig``; :class:`AudioMCQModel` reads the model arguments from its name.
"""

from audiomcq_plugins.integrations.lighteval.model import AudioMCQModel  # noqa: F401
