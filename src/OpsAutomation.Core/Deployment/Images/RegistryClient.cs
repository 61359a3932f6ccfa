using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using OpsAutomation.Core.Http;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>
/// The few calls of the registry HTTP API v2 the module needs: the digest a registry serves for a
/// tag (HEAD of the manifest, Docker-Content-Digest). Authenticates as the registry asks in its
/// WWW-Authenticate answer: basic, or a bearer token from the realm it names (the token flow of
/// Docker Hub and most registries). Every exchange goes through <see cref="HttpExchange"/> with
/// <see cref="Limits"/>.
/// </summary>
public sealed partial class RegistryClient(HttpClient http, HttpLimits? limits = null)
{
    /// <summary>The manifest types asked for: OCI index and manifest, Docker manifest list and v2 manifest.</summary>
    public static readonly string[] ManifestMediaTypes =
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];

    public HttpLimits Limits { get; } = limits ?? HttpLimits.Api;

    /// <summary>
    /// The registry's base URL: Docker Hub's API host for docker.io; plain HTTP for loopback
    /// registries (the engine trusts 127.0.0.0/8 without TLS too), HTTPS otherwise.
    /// </summary>
    public static Uri BaseUri(string registry)
    {
        if (registry == ImageReference.DockerHub) return new Uri("https://registry-1.docker.io/");
        var host = registry.StartsWith('[') ? registry[..(registry.IndexOf(']', StringComparison.Ordinal) + 1)] : registry.Split(':')[0];
        var loopback = host == "localhost" || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
        return new Uri($"{(loopback ? "http" : "https")}://{registry}/");
    }

    /// <summary>
    /// The digest the registry serves for <paramref name="image"/>'s tag (or digest). A registry
    /// that refuses is <see cref="RegistryAuthenticationException"/>; no such manifest,
    /// <see cref="RegistryManifestNotFoundException"/>; another status, <see cref="RegistryRequestException"/>.
    /// </summary>
    public async Task<string> GetManifestDigestAsync(ImageReference image, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        var uri = new Uri(BaseUri(image.Registry), $"v2/{image.Repository}/manifests/{image.Tag ?? image.Digest}");
        var target = HttpExchange.DisplayTarget(uri);
        AuthenticationHeaderValue? authorization = null;
        for (var attempt = 0; ; attempt++)
        {
            var (status, digest, challenge, detail) = await HeadAsync(uri, authorization, target, cancellationToken).ConfigureAwait(false);
            if (status == HttpStatusCode.Unauthorized && attempt == 0 && challenge is not null)
            {
                authorization = await AuthorizeAsync(challenge, image, credential, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new RegistryAuthenticationException(image.Registry, credential?.UserName, $"{target} answered {(int)status}{detail}");
            if (status == HttpStatusCode.NotFound) throw new RegistryManifestNotFoundException(image.ToString(), image.Registry);
            if ((int)status is < 200 or > 299) throw new RegistryRequestException(target, (int)status, detail.TrimStart(':', ' '));
            return digest ?? throw new RegistryRequestException(target, (int)status, "the answer has no Docker-Content-Digest header");
        }
    }

    private async Task<(HttpStatusCode Status, string? Digest, AuthenticationHeaderValue? Challenge, string Detail)> HeadAsync(
        Uri uri, AuthenticationHeaderValue? authorization, string target, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, uri);
        foreach (var type in ManifestMediaTypes) request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(type));
        request.Headers.Authorization = authorization;
        return await HttpExchange.SendAsync(http, request, Limits, (response, _, _) =>
        {
            var digest = response.Headers.TryGetValues("Docker-Content-Digest", out var values) ? values.FirstOrDefault() : null;
            // Prefer a bearer challenge: a registry offering both gives scoped tokens through it.
            var challenge = response.Headers.WwwAuthenticate.OrderBy(c => c.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase) ? 0 : 1).FirstOrDefault();
            var detail = response.ReasonPhrase is { Length: > 0 } reason ? $": {reason}" : "";
            return Task.FromResult((response.StatusCode, digest, challenge, detail));
        }, cancellationToken, target).ConfigureAwait(false);
    }

    private async Task<AuthenticationHeaderValue?> AuthorizeAsync(AuthenticationHeaderValue challenge, ImageReference image, RegistryCredential? credential, CancellationToken cancellationToken)
    {
        var basic = credential is null ? null : HttpAuthorization.Basic(credential.UserName, credential.Password);
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            return basic ?? throw new RegistryAuthenticationException(image.Registry, null, "it asks for basic authentication");
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase))
            throw new RegistryAuthenticationException(image.Registry, credential?.UserName, $"it asks for the authentication scheme {challenge.Scheme}, which the module does not speak");
        var parameters = ChallengeParameter().Matches(challenge.Parameter ?? "").ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.OrdinalIgnoreCase);
        if (!parameters.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri))
            throw new RegistryAuthenticationException(image.Registry, credential?.UserName, "its bearer challenge names no token realm");
        var query = new List<string>();
        if (parameters.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
        query.Add("scope=" + Uri.EscapeDataString(parameters.GetValueOrDefault("scope") ?? $"repository:{image.Repository}:pull"));
        var tokenUri = new UriBuilder(realmUri) { Query = string.Join('&', query) }.Uri;
        var target = HttpExchange.DisplayTarget(tokenUri);
        using var request = new HttpRequestMessage(HttpMethod.Get, tokenUri);
        request.Headers.Authorization = basic;
        var token = await HttpExchange.SendAsync(http, request, Limits, async (response, body, token) =>
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new RegistryAuthenticationException(image.Registry, credential?.UserName, $"its token service {target} answered {(int)response.StatusCode}");
            if (!response.IsSuccessStatusCode)
                throw new RegistryRequestException(target, (int)response.StatusCode, await HttpExchange.ReadPrefixAsync(response, body, 200, token).ConfigureAwait(false));
            try
            {
                using var json = await JsonDocument.ParseAsync(body, cancellationToken: token).ConfigureAwait(false);
                return json.RootElement.ValueKind != JsonValueKind.Object ? null
                    : (json.RootElement.TryGetProperty("token", out var t) ? t.GetString() : null)
                        ?? (json.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null);
            }
            catch (JsonException ex)
            {
                throw new RegistryRequestException(target, (int)response.StatusCode, $"the answer is not a JSON token ({ex.Message})");
            }
        }, cancellationToken, target).ConfigureAwait(false);
        return HttpAuthorization.Bearer(token ?? throw new RegistryRequestException(target, 200, "the answer holds no token"));
    }

    [GeneratedRegex(@"(\w+)=""([^""]*)""")]
    private static partial Regex ChallengeParameter();
}
