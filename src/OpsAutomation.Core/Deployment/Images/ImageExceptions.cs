namespace OpsAutomation.Core.Deployment.Images;

/// <summary>An image reference that breaks the grammar: names the value, where it came from and why.</summary>
public sealed class ImageReferenceException(string value, string origin, string reason)
    : FormatException($"{origin} '{value}' is not an image reference: {reason}.")
{
    public string Value { get; } = value;
}

/// <summary>No Docker engine answered at <see cref="Host"/>: says how to start one or point elsewhere.</summary>
public sealed class DockerEngineUnavailableException(Uri host, string detail, Exception? inner)
    : Exception($"No Docker engine at {host}: {detail}. {Hint(host)}", inner)
{
    public Uri Host { get; } = host;

    private static string Hint(Uri host) => host.Scheme switch
    {
        "unix" => "Start it with `systemctl start docker` (or `sudo dockerd`), or set DOCKER_HOST (or -DockerHost) to the engine's socket.",
        "npipe" => "Start Docker Desktop or the docker service, or set DOCKER_HOST (or -DockerHost).",
        _ => "Check that the engine listens there, or set DOCKER_HOST (or -DockerHost) to another engine.",
    };
}

/// <summary>What was wrong with a build's inputs, found before the engine was called.</summary>
public enum ImageBuildInputProblem
{
    ContextNotFound,
    DockerfileNotFound,

    /// <summary>A file or folder of the context could not be read while it was sent.</summary>
    ContextUnreadable,
}

/// <summary>A missing build context or Dockerfile (the engine was not called), or a context file that could not be read: names the path.</summary>
public sealed class ImageBuildInputException(ImageBuildInputProblem problem, string path, string message) : Exception(message)
{
    public ImageBuildInputProblem Problem { get; } = problem;

    public string Path { get; } = path;
}

/// <summary>
/// The engine failed the build. <see cref="Step"/> is the Dockerfile step that failed as the
/// engine printed it ("Step 3/4 : COPY missing.txt /"), null when it failed before the first step.
/// </summary>
public sealed class ImageBuildException(string? step, string engineMessage, Exception? inner = null)
    : Exception(step is null ? $"The build failed: {engineMessage}" : $"The build failed at {step}: {engineMessage}", inner)
{
    public string? Step { get; } = step;

    /// <summary>The engine's error (errorDetail) as it reported it.</summary>
    public string EngineMessage { get; } = engineMessage;
}

/// <summary>The engine failed a push for a reason other than the registry's authentication.</summary>
public sealed class ImagePushException(string image, string engineMessage, Exception? inner = null)
    : Exception($"Pushing {image} failed: {engineMessage}", inner)
{
    public string Image { get; } = image;

    public string EngineMessage { get; } = engineMessage;
}

/// <summary>The registry refused the credentials (or wanted some): names the registry and the user, never the password.</summary>
public sealed class RegistryAuthenticationException(string registry, string? userName, string detail)
    : Exception($"Registry {registry} refused {(userName is null ? "anonymous access (no credentials given or found in the Docker config file)" : $"the credentials of user '{userName}'")}: {detail}")
{
    public string Registry { get; } = registry;

    public string? UserName { get; } = userName;
}

/// <summary>The registry has no manifest for the reference (HEAD answered 404).</summary>
public sealed class RegistryManifestNotFoundException(string image, string registry)
    : Exception($"Registry {registry} has no manifest for {image}.")
{
    public string Image { get; } = image;
}

/// <summary>The registry answered a manifest request with a status other than 2xx, 401 or 404.</summary>
public sealed class RegistryRequestException(string target, int status, string detail)
    : HttpRequestException($"{target} answered {status}: {detail}")
{
    public string Target { get; } = target;

    public int Status { get; } = status;
}

/// <summary>The digest the registry serves for a tag is not the one the engine pushed: someone pushed the tag in between.</summary>
public sealed class ImageDigestMismatchException(string image, string pushed, string served)
    : Exception($"The registry serves {served} for {image}, but the push reported {pushed}: the tag moved in between; deploy by {pushed} or push again.")
{
    public string Image { get; } = image;

    public string Pushed { get; } = pushed;

    public string Served { get; } = served;
}

/// <summary>A Docker config file that cannot be read: names the file and the line, never its content (it holds credentials).</summary>
public sealed class DockerConfigException(string path, string detail, Exception? inner)
    : Exception($"The Docker config file {path} cannot be read: {detail}", inner)
{
    public string Path { get; } = path;
}
