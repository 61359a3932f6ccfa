using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace OpsAutomation.Sandbox.Pods;

/// <summary>The configured local registry: its address in image references, where it answers, and its basic-auth credentials.</summary>
public sealed record RegistrySettings(string Host, Uri BaseUri, string? Username, string? Password)
{
    /// <summary>From <c>--registry</c>: <c>127.0.0.1:5000</c> (plain HTTP, as a node's insecure registry) or a URL (<c>https://127.0.0.1:5000</c>).</summary>
    public static RegistrySettings Parse(string value, string? username, string? password)
    {
        ArgumentNullException.ThrowIfNull(value);
        var uri = value.Contains("://", StringComparison.Ordinal) ? value : "http://" + value;
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || parsed.AbsolutePath != "/" || parsed.Authority.Length == 0)
        {
            throw new ArgumentException($"The option --registry takes a registry address (127.0.0.1:5000) or its URL (http://127.0.0.1:5000), not '{value}'.");
        }
        return new RegistrySettings(parsed.IsDefaultPort ? parsed.Host : $"{parsed.Host}:{parsed.Port}", new Uri(parsed.GetLeftPart(UriPartial.Authority) + "/"), username, password);
    }

    /// <summary>Never the password: a record's generated ToString would print it.</summary>
    public override string ToString() => $"{Host} ({BaseUri}{(Username is null ? "" : $", user {Username}")})";
}

/// <summary>What a pull found: the image's digest, or why it failed, worded as containerd's errors the kubelet shows.</summary>
public sealed record PullResult(string? Digest, string? Error);

/// <summary>
/// Looks images up in the configured registry as a runtime resolves them before a pull: a manifest HEAD
/// (Registry API v2) accepting the OCI and Docker manifest and index types, with basic auth when
/// configured; the answer's Docker-Content-Digest is the image's digest, which a digest reference must match.
/// </summary>
public sealed class ImageRegistry(RegistrySettings settings, HttpClient http, TimeProvider time)
{
    /// <summary>The longest a lookup may take, on the sandbox clock.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static readonly string[] ManifestTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    public RegistrySettings Settings => settings;

    /// <summary>Whether <paramref name="image"/> is in this registry (else it is assumed present on the node).</summary>
    public bool Holds(ImageReference image) => string.Equals(image?.Registry, settings.Host, StringComparison.OrdinalIgnoreCase);

    public async Task<PullResult> ResolveAsync(string image, ImageReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var uri = new Uri(settings.BaseUri, $"v2/{reference.Repository}/manifests/{reference.Reference}");
        var prefix = $"failed to pull and unpack image \"{image}\": failed to resolve reference \"{image}\"";
        using var request = new HttpRequestMessage(HttpMethod.Head, uri);
        foreach (var type in ManifestTypes)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        }
        if (settings.Username is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}")));
        }
        using var timeout = new CancellationTokenSource(Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        try
        {
            using var response = await http.SendAsync(request, linked.Token).ConfigureAwait(false);
            var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
            return response.StatusCode switch
            {
                HttpStatusCode.OK when digest is null => new PullResult(null, $"{prefix}: {uri}: the registry sent no Docker-Content-Digest"),
                HttpStatusCode.OK when reference.Digest is not null && !string.Equals(reference.Digest, digest, StringComparison.Ordinal) =>
                    new PullResult(null, $"{prefix}: {reference.Registry}/{reference.Repository}@{reference.Digest}: digest mismatch: the registry has {digest}"),
                HttpStatusCode.OK => new PullResult(digest, null),
                HttpStatusCode.NotFound => new PullResult(null, $"{prefix}: {image}: not found"),
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden =>
                    new PullResult(null, $"{prefix}: pulling from host {settings.Host} failed with status code [manifests {reference.Reference}]: {(int)response.StatusCode} {response.ReasonPhrase}"),
                _ => new PullResult(null, $"{prefix}: unexpected status from HEAD request to {uri}: {(int)response.StatusCode} {response.ReasonPhrase}"),
            };
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } ? "connect: connection refused" : e.Message;
            return new PullResult(null, $"{prefix}: failed to do request: Head \"{uri}\": dial tcp {settings.Host}: {reason}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new PullResult(null, $"{prefix}: failed to do request: Head \"{uri}\": context deadline exceeded");
        }
    }
}
