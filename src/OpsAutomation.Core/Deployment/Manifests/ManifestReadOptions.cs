namespace OpsAutomation.Core.Deployment.Manifests;

/// <summary>How manifest files are read: variables, images and limits.</summary>
public sealed class ManifestReadOptions
{
    /// <summary>The default <see cref="MaxFileBytes"/>: 4 MiB, several times the API server's 1.5 MiB limit of one object.</summary>
    public const long DefaultMaxFileBytes = 4 * 1024 * 1024;

    /// <summary>Values of ${NAME} placeholders, looked up before the environment; default none.</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new Dictionary<string, string>();

    /// <summary>Reads environment variables for ${NAME}; default the process's.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>Container name to image reference: every pod template with a container of that name runs that image; default none.</summary>
    public IReadOnlyDictionary<string, string> Images { get; init; } = new Dictionary<string, string>();

    /// <summary>The largest manifest file read, in bytes; default <see cref="DefaultMaxFileBytes"/>.</summary>
    public long MaxFileBytes { get; init; } = DefaultMaxFileBytes;

    internal void Validate()
    {
        if (MaxFileBytes <= 0) throw new ArgumentOutOfRangeException(nameof(MaxFileBytes), MaxFileBytes, "MaxFileBytes must be above 0.");
        foreach (var (container, image) in Images)
        {
            if (string.IsNullOrWhiteSpace(container)) throw new ArgumentException("An image is given for an empty container name.", nameof(Images));
            if (string.IsNullOrWhiteSpace(image) || image.Any(char.IsWhiteSpace))
                throw new ArgumentException($"The image '{image}' given for container {container} is not an image reference.", nameof(Images));
        }
    }
}
