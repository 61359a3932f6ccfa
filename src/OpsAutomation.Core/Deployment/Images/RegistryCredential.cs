using System.Text;
using System.Text.Json;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>A user name and password for a registry. Its text form never shows the password.</summary>
public sealed class RegistryCredential(string userName, string password, string source)
{
    public string UserName { get; } = userName;

    public string Password { get; } = password;

    /// <summary>Where it came from, for messages: "-Credential" or the Docker config file's path.</summary>
    public string Source { get; } = source;

    public override string ToString() => $"{UserName} (from {Source})";
}

/// <summary>
/// The auths of a Docker config file (DOCKER_CONFIG/config.json, else ~/.docker/config.json), as
/// `docker login` writes them: per registry a base64 "auth" of user:password, or "username" and
/// "password". Keys are matched as the CLI matches them: with or without scheme and path, and
/// Docker Hub under any of its names.
/// </summary>
public sealed class DockerConfigCredentials
{
    private readonly Dictionary<string, RegistryCredential> _byRegistry;

    private DockerConfigCredentials(string? path, Dictionary<string, RegistryCredential> byRegistry)
    {
        Path = path;
        _byRegistry = byRegistry;
    }

    /// <summary>The file read, or null when there was none.</summary>
    public string? Path { get; }

    /// <summary>The config file's path for <paramref name="environment"/>: DOCKER_CONFIG's folder, else ~/.docker.</summary>
    public static string DefaultPath(Func<string, string?> environment)
    {
        var folder = environment("DOCKER_CONFIG");
        if (string.IsNullOrWhiteSpace(folder))
            folder = System.IO.Path.Combine(environment("HOME") is { Length: > 0 } home ? home : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".docker");
        return System.IO.Path.Combine(folder, "config.json");
    }

    /// <summary>The auths of the file at <paramref name="path"/>; none when it does not exist; <see cref="DockerConfigException"/> when it cannot be read.</summary>
    public static async Task<DockerConfigCredentials> LoadAsync(string path, CancellationToken cancellationToken)
    {
        var byRegistry = new Dictionary<string, RegistryCredential>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(path)) return new DockerConfigCredentials(null, byRegistry);
        try
        {
            var stream = File.OpenRead(path);
            await using (stream.ConfigureAwait(false))
            {
                using var json = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken).ConfigureAwait(false);
                if (json.RootElement.ValueKind != JsonValueKind.Object || !json.RootElement.TryGetProperty("auths", out var auths) || auths.ValueKind != JsonValueKind.Object)
                    return new DockerConfigCredentials(path, byRegistry);
                foreach (var auth in auths.EnumerateObject())
                {
                    if (Read(auth.Value, auth.Name, path) is { } credential) byRegistry[RegistryKey(auth.Name)] = credential;
                }
            }
        }
        catch (JsonException ex)
        {
            // The message of JsonException names line and position, never the content.
            throw new DockerConfigException(path, $"it is not JSON (line {ex.LineNumber + 1})", ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DockerConfigException(path, ex.Message, ex);
        }
        return new DockerConfigCredentials(path, byRegistry);
    }

    /// <summary>The credential stored for <paramref name="registry"/> (a host with its port), or null.</summary>
    public RegistryCredential? Find(string registry) => _byRegistry.GetValueOrDefault(RegistryKey(registry));

    /// <summary>A config key or registry as one form: no scheme, no path; Docker Hub's names as docker.io.</summary>
    internal static string RegistryKey(string key)
    {
        var host = key.Trim();
        var scheme = host.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0) host = host[(scheme + 3)..];
        var slash = host.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0) host = host[..slash];
        return host is "index.docker.io" or "registry-1.docker.io" or "registry.hub.docker.com" ? ImageReference.DockerHub : host;
    }

    private static RegistryCredential? Read(JsonElement entry, string registry, string path)
    {
        if (entry.ValueKind != JsonValueKind.Object) return null;
        var source = $"{path}, auths.{registry}";
        if (entry.TryGetProperty("auth", out var auth) && auth.GetString() is { Length: > 0 } encoded)
        {
            string pair;
            try
            {
                pair = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
            }
            catch (FormatException ex)
            {
                throw new DockerConfigException(path, $"auths.{registry}.auth is not base64", ex);
            }
            var colon = pair.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0) throw new DockerConfigException(path, $"auths.{registry}.auth is not base64 of user:password", null);
            return new RegistryCredential(pair[..colon], pair[(colon + 1)..], source);
        }
        if (entry.TryGetProperty("username", out var user) && user.GetString() is { Length: > 0 } userName
            && entry.TryGetProperty("password", out var password) && password.GetString() is { } secret)
            return new RegistryCredential(userName, secret, source);
        return null;
    }
}
