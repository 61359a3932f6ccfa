using System.Globalization;
using System.Text.RegularExpressions;
using Docker.DotNet;
using Docker.DotNet.Models;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>
/// Pushes a local image through the engine and confirms with the registry that the tag now
/// serves the digest the engine pushed, so a deployment by that digest runs exactly what was built.
/// </summary>
public sealed partial class ImagePublisher(IDockerClient docker, RegistryClient registry, TimeProvider time)
{
    /// <summary>
    /// Pushes <paramref name="image"/> (registry/repository:tag) with <paramref name="credential"/>
    /// and returns the confirmed digest. Failures: <see cref="ImageReferenceException"/>,
    /// <see cref="RegistryAuthenticationException"/> (a refusal, by the engine's push or the
    /// registry's HEAD), <see cref="ImagePushException"/>, <see cref="ImageDigestMismatchException"/>,
    /// and the registry client's own.
    /// </summary>
    public async Task<ContainerImagePublication> PublishAsync(string image, RegistryCredential? credential, IProgress<ImageProgress>? progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var reference = ImageReferenceParser.Parse(image, "image");
        if (reference.Tag is null) throw new ImageReferenceException(image, "image", "a push needs a tag; a digest names what a registry already has");
        var shown = reference.ToString();
        var stream = new EngineStreamReader(progress);
        var auth = credential is null ? new AuthConfig { ServerAddress = reference.Registry }
            : new AuthConfig { Username = credential.UserName, Password = credential.Password, ServerAddress = reference.Registry };
        try
        {
            await docker.Images.PushImageAsync(reference.Name, new ImagePushParameters { Tag = reference.Tag }, auth, stream, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure(reference, credential, ImageBuilder.EngineMessage(ex), ex);
        }
        if (stream.Error is not null) throw Failure(reference, credential, stream.Error, null);

        var (pushed, size) = PushedDigest(stream, reference.Tag);
        if (pushed is null) throw new ImagePushException(shown, "the engine's stream ended without an error and without the pushed digest");
        var served = await registry.GetManifestDigestAsync(reference, credential, cancellationToken).ConfigureAwait(false);
        if (!string.Equals(served, pushed, StringComparison.Ordinal)) throw new ImageDigestMismatchException(shown, pushed, served);
        var byDigest = reference with { Tag = null, Digest = served };
        return new ContainerImagePublication
        {
            Image = shown,
            Registry = reference.Registry,
            Repository = reference.Repository,
            Tag = reference.Tag,
            Digest = served,
            Reference = byDigest.DigestReference!,
            Size = size,
            Duration = time.GetElapsedTime(started),
            Timestamp = time.GetUtcNow(),
        };
    }

    // The registry's refusals reach the engine as text: "unauthorized: ...", "denied: ...", "no basic auth credentials".
    private static Exception Failure(ImageReference reference, RegistryCredential? credential, string message, Exception? inner)
    {
        var clean = credential is null || credential.Password.Length == 0 ? message : message.Replace(credential.Password, "***", StringComparison.Ordinal);
        return RefusalPattern().IsMatch(clean)
            ? new RegistryAuthenticationException(reference.Registry, credential?.UserName, clean)
            : new ImagePushException(reference.ToString(), clean, inner);
    }

    // The aux object {"Tag","Digest","Size"} of API 1.23+, else the status line "tag: digest: sha256:... size: N".
    private static (string? Digest, long Size) PushedDigest(EngineStreamReader stream, string tag)
    {
        var digest = stream.AuxValue("Digest");
        var size = long.TryParse(stream.AuxValue("Size"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : 0;
        if (digest is not null) return (digest, size);
        foreach (var status in stream.Statuses)
        {
            var line = DigestLine().Match(status);
            if (line.Success && line.Groups[1].Value == tag)
                return (line.Groups[2].Value, long.Parse(line.Groups[3].Value, CultureInfo.InvariantCulture));
        }
        return (null, 0);
    }

    [GeneratedRegex(@"\b(unauthorized|authentication required|no basic auth credentials|denied)\b", RegexOptions.IgnoreCase)]
    private static partial Regex RefusalPattern();

    [GeneratedRegex(@"^(\S+): digest: (\S+) size: (\d+)")]
    private static partial Regex DigestLine();
}
