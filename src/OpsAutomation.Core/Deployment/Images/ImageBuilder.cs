using System.Security.Cryptography;
using Docker.DotNet;
using Docker.DotNet.Models;
using OpsAutomation.Models.Deployment;

namespace OpsAutomation.Core.Deployment.Images;

/// <summary>What to build: the context, the Dockerfile and what the engine takes beside them.</summary>
public sealed record ImageBuildOptions
{
    /// <summary>The build context folder, absolute.</summary>
    public required string ContextPath { get; init; }

    /// <summary>The Dockerfile, absolute or relative to the context, inside or outside it. Default: Dockerfile in the context.</summary>
    public string? Dockerfile { get; init; }

    /// <summary>References to tag the image with (registry/repository:tag); parsed and completed as the Docker CLI does.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Values for the Dockerfile's ARGs.</summary>
    public IReadOnlyDictionary<string, string> BuildArguments { get; init; } = new Dictionary<string, string>();

    /// <summary>The stage to build; null for the last.</summary>
    public string? Target { get; init; }

    /// <summary>Labels to set on the image; they override the OCI labels from git of the same names.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether to add the OCI labels from git (revision, source, created) when the context is in a work tree. Default true.</summary>
    public bool GitLabels { get; init; } = true;

    /// <summary>Build without the engine's layer cache. Default false.</summary>
    public bool NoCache { get; init; }
}

/// <summary>A build's inputs as checked before the engine is asked anything: the context folder, the Dockerfile, the tags completed.</summary>
public sealed record ImageBuildInputs(string ContextPath, string Dockerfile, IReadOnlyList<string> Tags)
{
    /// <summary>
    /// The absolute context and Dockerfile (relative to the context) and the full tag references;
    /// a missing one is <see cref="ImageBuildInputException"/>, a bad tag <see cref="ImageReferenceException"/>.
    /// </summary>
    public static ImageBuildInputs Check(ImageBuildOptions options)
    {
        var context = Path.GetFullPath(options.ContextPath);
        if (!Directory.Exists(context))
            throw new ImageBuildInputException(ImageBuildInputProblem.ContextNotFound, context, $"The build context {context} is not a folder that exists.");
        var dockerfile = Path.GetFullPath(options.Dockerfile ?? "Dockerfile", context);
        if (!File.Exists(dockerfile))
            throw new ImageBuildInputException(ImageBuildInputProblem.DockerfileNotFound, dockerfile, $"The Dockerfile {dockerfile} does not exist.");
        return new ImageBuildInputs(context, dockerfile, options.Tags.Select(t => ImageReferenceParser.Parse(t, "tag").ToString()).ToList());
    }
}

/// <summary>
/// Builds images with the engine's /build endpoint: validates the inputs before the engine sees
/// them, streams the context as a tar, reports every line of the build, and fails on the
/// errorDetail the engine sends inside its 200 stream, naming the step that failed.
/// </summary>
public sealed class ImageBuilder(IDockerClient docker, TimeProvider time)
{
    /// <summary>Builds the image; see <see cref="ImageBuildInputException"/>, <see cref="ImageBuildException"/>, <see cref="ImageReferenceException"/>.</summary>
    /// <param name="notes">Receives what the build decided on its own (no git labels and why), for a verbose stream.</param>
    public async Task<ContainerImageBuild> BuildAsync(ImageBuildOptions options, IProgress<ImageProgress>? progress, Action<string>? notes, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var (context, dockerfile, tags) = ImageBuildInputs.Check(options);

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.GitLabels)
        {
            foreach (var (key, value) in await GitImageLabels.ReadAsync(context, time.GetUtcNow(), notes, cancellationToken).ConfigureAwait(false))
                labels[key] = value;
        }
        foreach (var (key, value) in options.Labels) labels[key] = value;

        var relative = Path.GetRelativePath(context, dockerfile);
        var outside = relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative);
        // As the Docker CLI does: a Dockerfile outside the context travels in it under a name nothing else has.
        var entry = outside ? ".dockerfile." + Convert.ToHexString(RandomNumberGenerator.GetBytes(10)).ToLowerInvariant() : relative.Replace('\\', '/');
        var archive = new BuildContextArchive(context, DockerIgnore.Load(context), entry, outside ? dockerfile : null);

        var parameters = new ImageBuildParameters
        {
            Dockerfile = entry,
            Tags = [.. tags],
            BuildArgs = options.BuildArguments.ToDictionary(p => p.Key, p => p.Value),
            Labels = labels,
            Target = string.IsNullOrEmpty(options.Target) ? null : options.Target,
            NoCache = options.NoCache ? true : null,
            Remove = true,
        };
        var stream = new EngineStreamReader(progress);
        Exception? failure = null;
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var (tar, writer) = archive.Open(stop.Token);
            await using (tar.ConfigureAwait(false))
            {
                try
                {
                    await docker.Images.BuildImageFromDockerfileAsync(parameters, tar, null, null, stream, stop.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
                {
                    failure = ex;
                }
                finally
                {
                    // The engine may stop reading early (a bad Dockerfile): the writer must not wait for it.
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
            // A context file that could not be read is the cause of whatever the engine said after.
            await AwaitWriterAsync(writer, context).ConfigureAwait(false);
        }
        if (failure is not null)
            throw new ImageBuildException(stream.CurrentStep, failure is DockerApiException api ? EngineMessage(api) : $"the engine connection failed: {failure.Message}", failure);
        if (stream.Error is not null) throw new ImageBuildException(stream.FailedStep, stream.Error);

        var id = stream.AuxValue("ID");
        if (id is null)
        {
            if (tags.Count == 0) throw new ImageBuildException(null, "the engine's stream ended without an error and without the built image's id");
            id = (await docker.Images.InspectImageAsync(tags[0], cancellationToken).ConfigureAwait(false)).ID;
        }
        return new ContainerImageBuild
        {
            ImageId = id,
            Tags = tags,
            ContextPath = context,
            Dockerfile = dockerfile,
            Target = parameters.Target,
            Labels = labels,
            Steps = stream.Steps,
            ContextBytes = archive.BytesWritten,
            Duration = time.GetElapsedTime(started),
            Timestamp = time.GetUtcNow(),
        };
    }

    // A writer stopped because the engine was done (or the caller cancelled) is no failure of its own.
    private static async Task AwaitWriterAsync(Task writer, string context)
    {
        try
        {
            await writer.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped by the finally above once the engine answered, or by the caller, whose cancellation the build call raised.
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ImageBuildInputException(ImageBuildInputProblem.ContextUnreadable, context, $"The build context {context} could not be read: {ex.Message}");
        }
    }

    internal static string EngineMessage(DockerApiException ex)
    {
        var body = ex.ResponseBody?.Trim();
        if (string.IsNullOrEmpty(body)) return $"the engine answered {(int)ex.StatusCode}";
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { } text) return text;
        }
        catch (System.Text.Json.JsonException)
        {
            // Not the engine's JSON error: the body as it is.
        }
        return body;
    }
}
