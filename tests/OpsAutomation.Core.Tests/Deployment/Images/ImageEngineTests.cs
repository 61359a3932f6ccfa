using System.Formats.Tar;
using System.Text;
using OpsAutomation.Core.Deployment.Images;
using OpsAutomation.Core.Http;
using OpsAutomation.Core.Tests.TestSupport;

namespace OpsAutomation.Core.Tests.Deployment.Images;

/// <summary>
/// Builds and pushes against the real Docker engine and the registry with htpasswd
/// authentication that ./build.ps1 Test starts (tests/services Start-TestDocker). Images are
/// FROM scratch with copied files: the engine runs without a bridge, so nothing RUNs.
/// </summary>
public sealed class ImageEngineTests : IDisposable
{
    private readonly TempDirectory _context = new();
    private readonly HttpClientProvider _http = new();

    public void Dispose()
    {
        _http.Dispose();
        _context.Dispose();
    }

    private static string Service(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        Assert.False(string.IsNullOrEmpty(value), $"This test needs the real Docker engine and registry: run it through ./build.ps1 Test, which starts them and sets {variable}.");
        return value!;
    }

    private static Task<DockerEngine> ConnectAsync(DockerEngineOptions? options = null) =>
        DockerEngine.ConnectAsync(new Uri(Service("OPS_TEST_DOCKER_HOST")), options ?? new DockerEngineOptions(), CancellationToken.None);

    private static RegistryCredential Credential(string? password = null) =>
        new(Service("OPS_TEST_REGISTRY_USER"), password ?? Service("OPS_TEST_REGISTRY_PASSWORD"), "test");

    private static string Tag(string name) => $"{Service("OPS_TEST_REGISTRY")}/opsautomation-tests/{name}:{Guid.NewGuid():N}";

    private void Files(params (string Path, string Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            var full = Path.Combine(_context.Path, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
    }

    private Task<Models.Deployment.ContainerImageBuild> BuildAsync(DockerEngine engine, params string[] tags) => BuildAsync(engine, new ImageBuildOptions { ContextPath = _context.Path, Tags = tags });

    private static Task<Models.Deployment.ContainerImageBuild> BuildAsync(DockerEngine engine, ImageBuildOptions options) =>
        new ImageBuilder(engine.Client, TimeProvider.System).BuildAsync(options, null, null, CancellationToken.None);

    private ImagePublisher Publisher(DockerEngine engine) => new(engine.Client, new RegistryClient(_http.Get()), TimeProvider.System);

    /// <summary>The files of every layer of a saved image, as paths.</summary>
    private static async Task<HashSet<string>> ImageFilesAsync(DockerEngine engine, string image)
    {
        var files = new HashSet<string>(StringComparer.Ordinal);
        await using var saved = await engine.Client.Images.SaveImageAsync(image, CancellationToken.None);
        await using var outer = new TarReader(saved);
        while (await outer.GetNextEntryAsync(copyData: true) is { } entry)
        {
            if (!entry.Name.EndsWith("layer.tar", StringComparison.Ordinal) || entry.DataStream is null) continue;
            await using var layer = new TarReader(entry.DataStream);
            while (await layer.GetNextEntryAsync() is { } file) files.Add(file.Name.TrimEnd('/'));
        }
        return files;
    }

    [Fact]
    public async Task The_API_version_is_the_lower_of_the_clients_and_the_engines()
    {
        using var unbounded = await ConnectAsync(new DockerEngineOptions { ApiVersion = new Version(9, 99) });
        var engineVersion = Version.Parse((await unbounded.Client.System.GetVersionAsync()).APIVersion);
        Assert.Equal(engineVersion, unbounded.ApiVersion);
        using var older = await ConnectAsync(new DockerEngineOptions { ApiVersion = new Version(1, 40) });
        Assert.Equal(new Version(1, 40), older.ApiVersion);
    }

    [Fact]
    public async Task An_engine_is_connected_once_per_address_and_a_failed_connection_is_not_kept()
    {
        using var engines = new DockerEngines();
        var host = new Uri(Service("OPS_TEST_DOCKER_HOST"));
        Assert.Same(await engines.GetAsync(host, new DockerEngineOptions(), CancellationToken.None), await engines.GetAsync(host, new DockerEngineOptions(), CancellationToken.None));

        // A socket that appears after a failed connection (the engine started in between) is used by the next call.
        var late = new Uri($"unix://{_context.Path}/late.sock");
        await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => engines.GetAsync(late, new DockerEngineOptions(), CancellationToken.None));
        File.CreateSymbolicLink(late.AbsolutePath, host.AbsolutePath);
        Assert.Equal((await engines.GetAsync(host, new DockerEngineOptions(), CancellationToken.None)).ApiVersion,
            (await engines.GetAsync(late, new DockerEngineOptions(), CancellationToken.None)).ApiVersion);
    }

    [Fact]
    public async Task A_socket_that_does_not_exist_says_there_is_no_engine_and_how_to_start_one()
    {
        var host = new Uri($"unix://{_context.Path}/missing.sock");
        var error = await Assert.ThrowsAsync<DockerEngineUnavailableException>(() => DockerEngine.ConnectAsync(host, new DockerEngineOptions(), CancellationToken.None));
        Assert.Contains($"No Docker engine at {host}", error.Message);
        Assert.Contains("systemctl start docker", error.Message);
        Assert.Contains("DOCKER_HOST", error.Message);
    }

    [Fact]
    public async Task A_pushed_image_has_the_digest_the_registry_serves_and_a_by_digest_reference()
    {
        Files(("Dockerfile", "FROM scratch\nCOPY app.txt /app.txt\n"), ("app.txt", Guid.NewGuid().ToString()));
        using var engine = await ConnectAsync();
        var tag = Tag("web");
        var build = await BuildAsync(engine, tag);
        Assert.StartsWith("sha256:", build.ImageId);
        Assert.Equal([tag], build.Tags);
        Assert.Equal(2, build.Steps);

        var published = await Publisher(engine).PublishAsync(build.Tags[0], Credential(), null, CancellationToken.None);

        var reference = ImageReferenceParser.Parse(tag);
        var served = await new RegistryClient(_http.Get()).GetManifestDigestAsync(reference, Credential(), CancellationToken.None);
        Assert.Equal(served, published.Digest);
        Assert.Equal($"{reference.Registry}/{reference.Repository}@{served}", published.Reference);
        Assert.True(published.Size > 0);
    }

    [Fact]
    public async Task An_untagged_build_returns_the_image_id_the_engine_reported()
    {
        Files(("Dockerfile", "FROM scratch\nCOPY app.txt /app.txt\n"), ("app.txt", Guid.NewGuid().ToString()));
        using var engine = await ConnectAsync();
        var build = await BuildAsync(engine);
        Assert.Empty(build.Tags);
        Assert.Equal(build.ImageId, (await engine.Client.Images.InspectImageAsync(build.ImageId)).ID);
    }

    [Fact]
    public async Task A_cancelled_build_ends_with_the_cancellation_and_stops_writing_the_context()
    {
        var large = new byte[32 * 1024 * 1024];
        Random.Shared.NextBytes(large);
        File.WriteAllBytes(Path.Combine(_context.Path, "large.bin"), large);
        Files(("Dockerfile", "FROM scratch\nCOPY large.bin /large.bin\n"));
        using var engine = await ConnectAsync();
        using var cancel = new CancellationTokenSource();
        var build = new ImageBuilder(engine.Client, TimeProvider.System).BuildAsync(
            new ImageBuildOptions { ContextPath = _context.Path, Tags = [Tag("cancelled")] }, null, null, cancel.Token);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => build);
    }

    [Fact]
    public async Task A_file_the_dockerignore_excludes_is_not_in_the_image()
    {
        Files(("Dockerfile", "FROM scratch\nCOPY . /ctx/\n"), (".dockerignore", "*.secret\nlogs\n!logs/keep.log\n"),
            ("app.txt", "app"), ("token.secret", "s3cr3t"), ("logs/a.log", "a"), ("logs/keep.log", "k"));
        using var engine = await ConnectAsync();
        var build = await BuildAsync(engine, Tag("ignored"));
        var files = await ImageFilesAsync(engine, build.ImageId);
        Assert.Contains("ctx/app.txt", files);
        Assert.Contains("ctx/logs/keep.log", files);
        Assert.DoesNotContain("ctx/token.secret", files);
        Assert.DoesNotContain("ctx/logs/a.log", files);
    }

    [Fact]
    public async Task A_failing_build_names_the_step_the_engine_failed()
    {
        Files(("Dockerfile", "FROM scratch\nCOPY app.txt /app.txt\nCOPY missing.txt /missing.txt\n"), ("app.txt", "app"));
        using var engine = await ConnectAsync();
        var error = await Assert.ThrowsAsync<ImageBuildException>(() => BuildAsync(engine, Tag("broken")));
        Assert.Equal("Step 3/3 : COPY missing.txt /missing.txt", error.Step);
        Assert.Contains("missing.txt", error.EngineMessage);
        Assert.Contains("Step 3/3", error.Message);
    }

    [Fact]
    public async Task Build_arguments_reach_the_Dockerfile_and_the_target_stops_at_its_stage()
    {
        Files(("Dockerfile", "FROM scratch AS base\nARG GREETING=none\nLABEL greeting=$GREETING\nCOPY app.txt /app.txt\nFROM base AS final\nLABEL stage=final\n"), ("app.txt", "app"));
        using var engine = await ConnectAsync();
        var build = await BuildAsync(engine, new ImageBuildOptions
        {
            ContextPath = _context.Path, Tags = [Tag("target")], Target = "base",
            BuildArguments = new Dictionary<string, string> { ["GREETING"] = "hello" },
            Labels = new Dictionary<string, string> { ["team"] = "ops" },
        });
        var labels = (await engine.Client.Images.InspectImageAsync(build.ImageId)).Config?.Labels ?? new Dictionary<string, string>();
        Assert.Equal("hello", labels["greeting"]);
        Assert.Equal("ops", labels["team"]);
        Assert.False(labels.ContainsKey("stage"));
    }

    [Fact]
    public async Task A_context_in_a_git_work_tree_gets_the_OCI_labels_with_the_remote_without_credentials()
    {
        Files(("Dockerfile", "FROM scratch\nCOPY app.txt /app.txt\n"), ("app.txt", "app"));
        Git("init", "--quiet");
        Git("add", ".");
        Git("-c", "user.name=ops", "-c", "user.email=ops@example.test", "commit", "--quiet", "-m", "first");
        Git("remote", "add", "origin", "https://ci:s3cr3t-token@git.example.test/team/web.git");
        var commit = Git("rev-parse", "HEAD");
        using var engine = await ConnectAsync();
        var build = await BuildAsync(engine, Tag("git"));
        var labels = (await engine.Client.Images.InspectImageAsync(build.ImageId)).Config?.Labels ?? new Dictionary<string, string>();
        Assert.Equal(commit, labels[GitImageLabels.Revision]);
        Assert.Equal("https://git.example.test/team/web.git", labels[GitImageLabels.Source]);
        Assert.True(DateTimeOffset.TryParse(labels[GitImageLabels.Created], out _));
        Assert.DoesNotContain("s3cr3t-token", string.Join(' ', build.Labels.Values));
    }

    private string Git(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = _context.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)}: {process.StandardError.ReadToEnd()}");
        return output.Trim();
    }

    [Fact]
    public async Task A_Dockerfile_outside_the_context_builds()
    {
        Files(("app.txt", "app"));
        using var elsewhere = new TempDirectory();
        var dockerfile = elsewhere.File("web.dockerfile", "FROM scratch\nCOPY app.txt /app.txt\n");
        using var engine = await ConnectAsync();
        var build = await BuildAsync(engine, new ImageBuildOptions { ContextPath = _context.Path, Dockerfile = dockerfile, Tags = [Tag("outside")] });
        Assert.Contains("app.txt", await ImageFilesAsync(engine, build.ImageId));
    }

    [Fact]
    public async Task A_missing_Dockerfile_is_named_before_the_engine_is_called()
    {
        Files(("app.txt", "app"));
        using var engine = await ConnectAsync();
        var error = await Assert.ThrowsAsync<ImageBuildInputException>(() => BuildAsync(engine, Tag("none")));
        Assert.Equal(ImageBuildInputProblem.DockerfileNotFound, error.Problem);
        Assert.Equal(Path.Combine(_context.Path, "Dockerfile"), error.Path);
    }

    [Fact]
    public async Task A_wrong_password_is_a_registry_refusal_naming_the_registry_and_never_the_password()
    {
        Files(("Dockerfile", "FROM scratch\nCOPY app.txt /app.txt\n"), ("app.txt", Guid.NewGuid().ToString()));
        using var engine = await ConnectAsync();
        var build = await BuildAsync(engine, Tag("refused"));
        var wrong = "wrong-" + Guid.NewGuid().ToString("N");
        var error = await Assert.ThrowsAsync<RegistryAuthenticationException>(() => Publisher(engine).PublishAsync(build.Tags[0], Credential(wrong), null, CancellationToken.None));
        Assert.Equal(Service("OPS_TEST_REGISTRY"), error.Registry);
        Assert.Contains(Service("OPS_TEST_REGISTRY"), error.Message);
        Assert.Contains(Service("OPS_TEST_REGISTRY_USER"), error.Message);
        Assert.DoesNotContain(wrong, error.ToString());
    }

    [Fact]
    public async Task A_push_without_credentials_to_a_registry_that_wants_them_is_an_anonymous_refusal()
    {
        Files(("Dockerfile", "FROM scratch\nCOPY app.txt /app.txt\n"), ("app.txt", Guid.NewGuid().ToString()));
        using var engine = await ConnectAsync();
        var build = await BuildAsync(engine, Tag("anonymous"));
        var error = await Assert.ThrowsAsync<RegistryAuthenticationException>(() => Publisher(engine).PublishAsync(build.Tags[0], null, null, CancellationToken.None));
        Assert.Null(error.UserName);
        Assert.Contains("anonymous", error.Message);
    }

    [Fact]
    public async Task The_registry_confirmation_with_a_wrong_password_is_a_refusal_too()
    {
        var reference = ImageReferenceParser.Parse(Tag("any"));
        var error = await Assert.ThrowsAsync<RegistryAuthenticationException>(() =>
            new RegistryClient(_http.Get()).GetManifestDigestAsync(reference, Credential("wrong"), CancellationToken.None));
        Assert.Equal(reference.Registry, error.Registry);
    }

    [Fact]
    public async Task Credentials_from_a_docker_config_file_push()
    {
        Files(("Dockerfile", "FROM scratch\nCOPY app.txt /app.txt\n"), ("app.txt", Guid.NewGuid().ToString()));
        using var configFolder = new TempDirectory();
        var auth = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Service("OPS_TEST_REGISTRY_USER")}:{Service("OPS_TEST_REGISTRY_PASSWORD")}"));
        configFolder.File("config.json", $$"""{ "auths": { "http://{{Service("OPS_TEST_REGISTRY")}}": { "auth": "{{auth}}" } } }""");
        var config = await DockerConfigCredentials.LoadAsync(DockerConfigCredentials.DefaultPath(n => n == "DOCKER_CONFIG" ? configFolder.Path : null), CancellationToken.None);
        var credential = config.Find(Service("OPS_TEST_REGISTRY"));
        Assert.NotNull(credential);

        using var engine = await ConnectAsync();
        var build = await BuildAsync(engine, Tag("config"));
        var published = await Publisher(engine).PublishAsync(build.Tags[0], credential, null, CancellationToken.None);
        Assert.StartsWith("sha256:", published.Digest);
    }
}
