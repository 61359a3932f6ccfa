#Requires -Version 7.4
# The Chromium harness itself: it must see what the report tests rely on it to see, or their checks prove nothing.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'HtmlRendering.psm1') -Force
    $policy = '<meta http-equiv="Content-Security-Policy" content="default-src ''none''; style-src ''unsafe-inline''">'
    $chart = '<svg xmlns="http://www.w3.org/2000/svg" id="c1" class="chart" viewBox="0 0 800 200" role="img" aria-label="Chart">' +
        '<g class="series" data-name="a"><circle class="mark" cx="10" cy="10" r="3"><title>a</title></circle><circle class="mark" cx="20" cy="20" r="3"/></g>' +
        '<g class="lane"/><g class="lane"/></svg>'
}

Describe 'Get-RenderedPage' {
    It 'measures each chart: rendered size scaled from its viewBox, marks, lanes and series' {
        Set-Content TestDrive:/chart.html "<!DOCTYPE html><html><head><meta charset=`"utf-8`">$policy<title>Charts</title></head><body style=`"margin:0`"><div style=`"width:400px`">$chart</div></body></html>"

        $page = Get-RenderedPage -Path TestDrive:/chart.html

        $page.Title | Should -Be 'Charts'
        $page.Svgs.Count | Should -Be 1
        $svg = $page.Svgs[0]
        $svg.Id | Should -Be 'c1'
        $svg.Role | Should -Be 'img'
        $svg.AriaLabel | Should -Be 'Chart'
        $svg.Width | Should -Be 400
        $svg.Height | Should -Be 100
        $svg.Marks | Should -Be 2
        $svg.Series | Should -Be 1
        $svg.Lanes | Should -Be 2
        $page.ScriptCount | Should -Be 0
        $page.ConsoleErrors | Should -BeNullOrEmpty
        $page.CspViolations | Should -BeNullOrEmpty
    }

    It 'reports what the page''s CSP blocked, and the blocked script as a console error' {
        Set-Content TestDrive:/blocked.html "<!DOCTYPE html><html><head>$policy</head><body><script>document.title = 'ran'</script><img src=`"http://127.0.0.1:9/x.png`"></body></html>"

        $page = Get-RenderedPage -Path TestDrive:/blocked.html

        $page.Title | Should -Not -Be 'ran'
        $page.ScriptCount | Should -Be 1
        $page.CspViolations | Should -Contain 'script-src-elem blocked inline'
        $page.CspViolations | Should -Contain 'img-src blocked http://127.0.0.1:9/x.png'
        ($page.ConsoleErrors -match 'Content Security Policy').Count | Should -Be 2
    }

    It 'reports console errors and uncaught exceptions of a page that may run scripts' {
        Set-Content TestDrive:/errors.html '<!DOCTYPE html><html><body><script>console.error("broken chart"); null.x;</script></body></html>'

        $page = Get-RenderedPage -Path TestDrive:/errors.html

        $page.ConsoleErrors | Should -Contain 'console.error: broken chart'
        $page.ConsoleErrors -match '^exception: Uncaught' | Should -Not -BeNullOrEmpty
    }

    It 'writes a PNG of the whole page, evaluates an expression and sees the dark scheme' {
        Set-Content TestDrive:/long.html "<!DOCTYPE html><html><head>$policy<style>:root { color-scheme: light dark }</style></head><body style=`"margin:0`"><div style=`"height:2000px`">long</div></body></html>"

        $page = Get-RenderedPage -Path TestDrive:/long.html -ScreenshotPath TestDrive:/long.png -Width 600 -ColorScheme dark `
            -Expression "matchMedia('(prefers-color-scheme: dark)').matches"

        $page.Evaluated | Should -BeTrue
        $bytes = [System.IO.File]::ReadAllBytes($page.ScreenshotPath)
        $bytes[0..7] | Should -Be @(0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A)
        # The PNG header's width and height (big-endian at 16 and 20): the whole page, not just the viewport.
        [System.Buffers.Binary.BinaryPrimitives]::ReadInt32BigEndian([byte[]] $bytes[16..19]) | Should -Be 600
        [System.Buffers.Binary.BinaryPrimitives]::ReadInt32BigEndian([byte[]] $bytes[20..23]) | Should -Be 2000
    }

    It 'names a missing file' {
        { Get-RenderedPage -Path (Join-Path $TestDrive 'none.html') } | Should -Throw '*none.html*'
    }
}
