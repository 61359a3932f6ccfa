#Requires -Version 7.4
# Build-ContainerImage and Publish-ContainerImage as a person types them, against the real Docker
# engine and the registry with htpasswd authentication that ./build.ps1 Test starts. Images are
# FROM scratch with copied files: the test engine has no bridge, so nothing RUNs.

BeforeAll {
    if (-not $env:OPS_TEST_MODULE_PATH) { throw 'OPS_TEST_MODULE_PATH is not set: run through ./build.ps1 Test, which builds the module first.' }
    if (-not $env:OPS_TEST_DOCKER_HOST) { throw 'Needs the Docker engine and registry: ./build.ps1 Test starts them and sets OPS_TEST_DOCKER_HOST and OPS_TEST_REGISTRY*.' }
    Import-Module $env:OPS_TEST_MODULE_PATH -Force
    $script:SavedDockerHost = $env:DOCKER_HOST
    $env:DOCKER_HOST = $env:OPS_TEST_DOCKER_HOST
    $script:Registry = $env:OPS_TEST_REGISTRY
    $script:Credential = [pscredential]::new($env:OPS_TEST_REGISTRY_USER, (ConvertTo-SecureString $env:OPS_TEST_REGISTRY_PASSWORD -AsPlainText -Force))

    function New-Context([string] $Dockerfile = "FROM scratch`nCOPY app.txt /app.txt`n") {
        $folder = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory $folder | Out-Null
        Set-Content (Join-Path $folder 'Dockerfile') $Dockerfile -NoNewline
        Set-Content (Join-Path $folder 'app.txt') ([guid]::NewGuid())
        $folder
    }

    function New-Tag([string] $Name) { "$Registry/pester/${Name}:$([guid]::NewGuid().ToString('N').Substring(0, 12))" }

    # The digest the registry serves for a tag, asked without the module.
    function Get-RegistryDigest([string] $Image) {
        $path, $tag = ($Image -replace "^$([regex]::Escape($Registry))/") -split ':'
        $response = Invoke-WebRequest -Method Head -Uri "$env:OPS_TEST_REGISTRY_URL/v2/$path/manifests/$tag" -Authentication Basic -Credential $Credential `
            -AllowUnencryptedAuthentication -Headers @{ Accept = 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } -SkipHttpErrorCheck
        if ($response.StatusCode -eq 200) { "$($response.Headers['Docker-Content-Digest'])" } else { $response.StatusCode }
    }
}

AfterAll {
    $env:DOCKER_HOST = $SavedDockerHost
}

Describe 'Build-ContainerImage | Publish-ContainerImage' {
    It 'pushes what it built and returns the digest the registry serves, by reference' {
        $tag = New-Tag web
        $published = Build-ContainerImage (New-Context) -Tag $tag | Publish-ContainerImage -Credential $Credential
        $published | Should -BeOfType ([OpsAutomation.Models.Deployment.ContainerImagePublication])
        $published.Digest | Should -Be (Get-RegistryDigest $tag)
        $published.Reference | Should -Be "$Registry/$($published.Repository)@$($published.Digest)"
        $published.Image | Should -Be $tag
    }

    It 'takes the credentials docker login stored in a Docker config file' {
        $auth = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$($env:OPS_TEST_REGISTRY_USER):$($env:OPS_TEST_REGISTRY_PASSWORD)"))
        $config = Join-Path $TestDrive 'config.json'
        Set-Content $config (@{ auths = @{ $Registry = @{ auth = $auth } } } | ConvertTo-Json -Depth 4)
        $tag = New-Tag config
        $published = Build-ContainerImage (New-Context) -Tag $tag | Publish-ContainerImage -DockerConfig $config
        $published.Digest | Should -Be (Get-RegistryDigest $tag)
    }

    It '-WhatIf pushes nothing' {
        $tag = New-Tag whatif
        Build-ContainerImage (New-Context) -Tag $tag | Publish-ContainerImage -Credential $Credential -WhatIf | Should -BeNullOrEmpty
        Get-RegistryDigest $tag | Should -Be 404
    }
}

Describe 'Build-ContainerImage errors' {
    It 'a missing Dockerfile is DockerfileNotFound naming it, before the engine is asked' {
        $context = New-Context
        { Build-ContainerImage $context -Dockerfile (Join-Path $context 'None.dockerfile') -DockerHost "unix://$TestDrive/none.sock" } |
            Should -Throw -ErrorId 'DockerfileNotFound,OpsAutomation.Commands.BuildContainerImageCommand' -ExpectedMessage '*None.dockerfile*'
    }

    It 'a missing context is BuildContextNotFound' {
        { Build-ContainerImage (Join-Path $TestDrive 'no-such-folder') } | Should -Throw -ErrorId 'BuildContextNotFound,OpsAutomation.Commands.BuildContainerImageCommand'
    }

    It 'a failing step is ImageBuildFailed naming the step' {
        $context = New-Context "FROM scratch`nCOPY app.txt /app.txt`nCOPY missing.txt /missing.txt`n"
        { Build-ContainerImage $context -Tag (New-Tag broken) } |
            Should -Throw -ErrorId 'ImageBuildFailed,OpsAutomation.Commands.BuildContainerImageCommand' -ExpectedMessage '*Step 3/3 : COPY missing.txt /missing.txt*'
    }

    It 'no engine at -DockerHost says how to start one' {
        { Build-ContainerImage (New-Context) -DockerHost "unix://$TestDrive/none.sock" } |
            Should -Throw -ErrorId 'DockerEngineUnavailable,OpsAutomation.Commands.BuildContainerImageCommand' -ExpectedMessage '*systemctl start docker*'
    }

    It 'a bad tag is ImageReferenceInvalid naming it' {
        { Build-ContainerImage (New-Context) -Tag 'Web:1' } | Should -Throw -ErrorId 'ImageReferenceInvalid,OpsAutomation.Commands.BuildContainerImageCommand' -ExpectedMessage "*'Web:1'*"
    }
}

Describe 'Publish-ContainerImage errors' {
    It 'a wrong password is RegistryAuthenticationFailed naming the registry, never the password' {
        $tag = New-Tag refused
        Build-ContainerImage (New-Context) -Tag $tag | Out-Null
        $wrong = [pscredential]::new($env:OPS_TEST_REGISTRY_USER, (ConvertTo-SecureString 'not-the-password-7f3a' -AsPlainText -Force))
        $record = { Publish-ContainerImage $tag -Credential $wrong -ErrorAction Stop } | Should -Throw -PassThru
        $record.FullyQualifiedErrorId | Should -Be 'RegistryAuthenticationFailed,OpsAutomation.Commands.PublishContainerImageCommand'
        $record.CategoryInfo.Category | Should -Be 'AuthenticationError'
        $record.Exception.Message | Should -BeLike "*$Registry*"
        $record.Exception.Message | Should -Not -BeLike '*not-the-password-7f3a*'
    }

    It 'never shows the password in verbose or debug text' {
        $tag = New-Tag quiet
        $output = Build-ContainerImage (New-Context) -Tag $tag | Publish-ContainerImage -Credential $Credential -Verbose -Debug 4>&1 5>&1 | Out-String
        $output | Should -Not -BeNullOrEmpty
        $output | Should -Not -BeLike "*$($env:OPS_TEST_REGISTRY_PASSWORD)*"
    }

    It 'an image that fails goes on with the next' {
        $good = New-Tag next
        Build-ContainerImage (New-Context) -Tag $good | Out-Null
        $output = Publish-ContainerImage "$Registry/pester/never-built:1", $good -Credential $Credential -ErrorVariable problems -ErrorAction SilentlyContinue
        $output.Image | Should -Be $good
        $problems | Should -HaveCount 1
        $problems[0].FullyQualifiedErrorId | Should -BeLike 'ImagePushFailed,*'
    }
}
