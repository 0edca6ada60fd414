import os

ENV_VAR = "KERAS_AE_DATA"


def find_data_dir(name, path=None, required_files=(), extra_places=(), source=""):
    """Finds the folder of data set `name`, or says where to get it.

    Looks, in order, at `path`, at `$KERAS_AE_DATA/<name>`, at
    `./data/<name>` and at `extra_places`, and returns the first folder that
    holds every file of `required_files`.

    Args:
        name: the data set's folder name, e.g. "fashion-mnist".
        path: an explicit folder, or None.
        required_files: file names that must all be in the folder.
        extra_places: further folders to look in (e.g. a distribution's
            package location or a Keras cache).
        source: where a user gets the files, for the error message.

    Returns:
        The folder's path.

    Raises:
        FileNotFoundError: listing where it looked and where the files come
            from.
    """
    candidates = []
    if path is not None:
        candidates.append(os.fspath(path))
    if os.environ.get(ENV_VAR):
        candidates.append(os.path.join(os.environ[ENV_VAR], name))
    candidates.append(os.path.join(os.getcwd(), "data", name))
    candidates.extend(os.path.expanduser(p) for p in extra_places)
    for folder in candidates:
        if all(os.path.isfile(os.path.join(folder, f)) for f in required_files):
            return folder
    looked = "\n  ".join(candidates)
    raise FileNotFoundError(
        f"Could not find the {name} data set (files {list(required_files)}). "
        f"Looked in:\n  {looked}\nPass `path=`, or set {ENV_VAR} to a folder "
        f"that holds a '{name}' folder. {source}"
    )


def check_names(names, argument, known, what):
    """Refuses names that are not in `known`, or that repeat, naming the argument.

    Args:
        names: a list or tuple of names.
        argument: the argument's name, for the message.
        known: the tuple of valid names.
        what: what the names are, plural (e.g. "books").
    """
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(
            f"`{argument}` names unknown {what} {unknown}; the {what} are {known}. "
            f"Received: {argument}={list(names)}"
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(
            f"`{argument}` names {repeated} more than once. Received: {argument}={list(names)}"
        )
