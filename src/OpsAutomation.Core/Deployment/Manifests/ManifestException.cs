namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>What is wrong with a manifest set, for the cmdlet's ErrorId.</summary>
public enum ManifestProblem
{
    /// <summary>A path that does not exist or cannot be read.</summary>
    NotFound,

    /// <summary>Not valid YAML or JSON, hostile (alias bomb, nesting), too large, or not a Kubernetes object.</summary>
    Invalid,

    /// <summary>A ${NAME} that neither the variables nor the environment define.</summary>
    VariableUndefined,

    /// <summary>An image given for a container name that no pod template has.</summary>
    ContainerNotFound,

    /// <summary>An apiVersion and kind the server's discovery does not know.</summary>
    KindUnknown,
}

/// <summary>A manifest that cannot be applied; the message names the file and line (or the variable, container, kind).</summary>
public sealed class ManifestException : Exception
{
    public ManifestException(ManifestProblem problem, string message, ManifestSource? source = null, Exception? inner = null)
        : base(source is null ? message : $"{source}: {message}", inner)
    {
        Problem = problem;
        Source = source;
    }

    public ManifestProblem Problem { get; }

    /// <summary>The file and line, when the problem is in one place.</summary>
    public new ManifestSource? Source { get; }
}
