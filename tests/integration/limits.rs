//! Bounded resources: an input built to exhaust the machine (an image
//! declaring billions of pixels, 50,000 sections, a 49 MiB Markdown file,
//! 40,000 misspelt keys) fails its own publication quickly, in little
//! memory, with a `too-large` error naming the file and line; the rest of
//! the batch is built. Peak memory is the child process's own maximum
//! resident set, read with `wait4`.

use std::io::{Cursor, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fixtures::png;
use crate::harness::{Project, Run};

/// Generous bound on the peak memory of a run that refuses an input; a
/// normal brief peaks near 80 MB, the inputs below reached 3.5–12.6 GB.
const MAX_PEAK_MIB: u64 = 1024;

/// A run of the binary with its peak memory and wall time.
struct Measured {
    run: Run,
    peak_mib: u64,
    elapsed: Duration,
}

/// Runs `briefpress ARGS` in the project and measures that one process.
#[expect(
    clippy::zombie_processes,
    reason = "the child is reaped by wait4, which also reports its peak memory"
)]
fn measured(project: &Project, args: &[&str]) -> Measured {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_briefpress"))
        .args(args)
        .current_dir(project.root())
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run briefpress");
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            pipe.read_to_end(&mut text).expect("read pipe");
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr")));
    let pid = libc::pid_t::try_from(child.id()).expect("pid");
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, writing into the two locals above.
    // getrusage(RUSAGE_CHILDREN) would mix in the children of other tests.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(waited, pid, "wait4 failed");
    let elapsed = started.elapsed();
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    Measured {
        run: Run {
            code,
            stdout: stdout.join().expect("stdout thread"),
            stderr: stderr.join().expect("stderr thread"),
        },
        // Linux reports ru_maxrss in KiB.
        peak_mib: u64::try_from(usage.ru_maxrss).unwrap_or(0) / 1024,
        elapsed,
    }
}

impl Measured {
    /// Asserts the run failed with exit 1, in bounded memory.
    fn refused(&self) -> &Run {
        self.run.expect_code(1);
        assert!(
            self.peak_mib < MAX_PEAK_MIB,
            "peak memory {} MiB (limit {MAX_PEAK_MIB} MiB) in {:?}:\n{}",
            self.peak_mib,
            self.elapsed,
            self.run.stderr
        );
        &self.run
    }
}

/// A real JPEG whose frame header declares `width` × `height` pixels: 8×8
/// pixels of data, a few hundred bytes, like the one that reached 12.6 GB.
pub fn jpeg_declaring(width: u16, height: u16) -> Vec<u8> {
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut Cursor::new(&mut jpeg))
        .encode(&[128; 8 * 8 * 3], 8, 8, image::ExtendedColorType::Rgb8)
        .expect("encode JPEG");
    // Baseline frame header: FF C0, length (2), precision (1), height, width.
    let sof = jpeg
        .windows(2)
        .position(|w| w == [0xFF, 0xC0])
        .expect("SOF0 marker");
    jpeg[sof + 5..sof + 7].copy_from_slice(&height.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&width.to_be_bytes());
    jpeg
}

/// A real GIF whose screen and frame declare `width` × `height` pixels.
fn gif_declaring(width: u16, height: u16) -> Vec<u8> {
    let mut gif = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut gif);
        let frame = image::Frame::new(image::RgbaImage::new(1, 1));
        encoder.encode_frame(frame).expect("encode GIF");
    }
    // Logical screen descriptor right after the 6-byte signature.
    gif[6..8].copy_from_slice(&width.to_le_bytes());
    gif[8..10].copy_from_slice(&height.to_le_bytes());
    // Image descriptor: 2C, left, top, width, height.
    let frame = gif
        .iter()
        .position(|&b| b == 0x2C)
        .expect("image descriptor");
    gif[frame + 5..frame + 7].copy_from_slice(&width.to_le_bytes());
    gif[frame + 7..frame + 9].copy_from_slice(&height.to_le_bytes());
    gif
}

/// A PNG whose header declares `width` × `height` pixels (the data is one pixel).
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut data = png(1, 1, [200, 30, 30]);
    // Signature (8), chunk length (4), "IHDR" (4), then width and height.
    data[16..20].copy_from_slice(&width.to_be_bytes());
    data[20..24].copy_from_slice(&height.to_be_bytes());
    data
}

/// A minimal valid publication beside the broken ones: it must still be built.
fn with_a_good_neighbour(project: &Project) {
    project.write(
        "content/good.toml",
        "title = \"Fine\"\ndate = 2024-01-01\n\n[[sections]]\ntitle = \"One\"\nbody = \"Text.\"\n",
    );
}

#[test]
fn image_bombs_are_refused_from_their_headers_and_the_batch_goes_on() {
    let project = Project::empty();
    with_a_good_neighbour(&project);
    project
        .write("content/bombs/photo.jpg", jpeg_declaring(65_500, 65_500))
        .write("content/bombs/anim.gif", gif_declaring(65_000, 65_000))
        .write("content/bombs/map.png", png_declaring(60_000, 60_000))
        .write(
            "content/bombs/one.md",
            "A photo:\n\n![The harbour](photo.jpg)\n\nA map:\n\n![The coast](map.png)\n",
        )
        .write(
            "content/bombs.toml",
            "title = \"Bombs\"\ndate = 2024-01-01\ncover = \"bombs/anim.gif\"\n\n\
             [[sections]]\ntitle = \"One\"\nfile = \"bombs/one.md\"\n",
        );
    assert!(project.read("content/bombs/photo.jpg").len() < 1024);

    for command in ["check", "build"] {
        let measured = measured(&project, &[command, "--message-format", "json"]);
        let run = measured.refused();
        assert_eq!(
            run.json_errors(),
            [
                (
                    "too-large".to_string(),
                    "content/bombs.toml:3:9".to_string()
                ),
                ("too-large".into(), "content/bombs/one.md:3:1".into()),
                ("too-large".into(), "content/bombs/one.md:7:1".into()),
            ],
            "{command}: {}",
            run.stdout
        );
        for (file, dims) in [
            ("bombs/anim.gif", "65000 × 65000"),
            ("photo.jpg", "65500 × 65500"),
            ("map.png", "60000 × 60000"),
        ] {
            assert!(
                run.stdout.contains(&format!("`{file}` is {dims} pixels")),
                "{command}: {file}: {}",
                run.stdout
            );
        }
        assert!(
            measured.elapsed < Duration::from_secs(10),
            "{command} took {:?}",
            measured.elapsed
        );
    }
    assert!(project.path("output/good.pdf").is_file());
    assert!(project.path("output/good.epub").is_file());
    assert!(!project.path("output/bombs.pdf").exists());
}

#[test]
fn the_pixel_budget_scales_with_the_image_not_the_file() {
    // 7,000 × 7,000 = 49 megapixels: just inside the default budget, so the
    // header check must not refuse it (its data is one pixel, so typst does).
    let project = Project::empty();
    project.write("content/a/big.png", png_declaring(7_000, 7_000)).write(
        "content/a.toml",
        "title = \"A\"\ndate = 2024-01-01\ncover = \"a/big.png\"\n\n[[sections]]\ntitle = \"One\"\nbody = \"Text.\"\n",
    );
    let run = project.run(&["check", "--message-format", "json"]);
    assert!(
        run.json_errors()
            .iter()
            .all(|(code, _)| code != "too-large"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_pixel_budget_is_set_with_max_image_pixels() {
    // The 49-megapixel cover of the test above, under a 40-megapixel budget.
    let project = Project::empty();
    project.write("content/a/big.png", png_declaring(7_000, 7_000)).write(
        "content/a.toml",
        "title = \"A\"\ndate = 2024-01-01\ncover = \"a/big.png\"\n\n[[sections]]\ntitle = \"One\"\nbody = \"Text.\"\n",
    );
    let run = project.run(&[
        "check",
        "--max-image-pixels",
        "40",
        "--message-format",
        "json",
    ]);
    assert_eq!(
        run.json_errors(),
        [("too-large".to_string(), "content/a.toml:3:9".to_string())],
        "{}",
        run.stdout
    );
}

#[test]
fn an_image_a_template_loads_is_measured_before_typst_decodes_it() {
    let project = Project::empty();
    project
        .write("templates/logo/logo.jpg", jpeg_declaring(65_500, 65_500))
        .write(
            "templates/logo/template.typ",
            "#let publication(title: none, ..rest, body) = {\n\
             \x20 set document(title: title)\n\
             \x20 image(\"logo.jpg\", alt: \"Logo\")\n\
             \x20 body\n\
             }\n",
        )
        .write(
            "content/a.toml",
            "title = \"A\"\ndate = 2024-01-01\ntemplate = \"logo\"\n\n[[sections]]\ntitle = \"One\"\nbody = \"Text.\"\n",
        );
    let measured = measured(&project, &["check", "--message-format", "json"]);
    let run = measured.refused();
    assert_eq!(
        run.json_errors(),
        [(
            "too-large".to_string(),
            "templates/logo/template.typ:3:9".to_string()
        )],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("`templates/logo/logo.jpg` is 65500 × 65500 pixels"),
        "{}",
        run.stdout
    );
}

#[test]
fn fifty_thousand_sections_fail_one_publication_not_the_machine() {
    let project = Project::empty();
    with_a_good_neighbour(&project);
    let mut toml = String::from("title = \"Many\"\ndate = 2024-01-01\n");
    for i in 0..50_000 {
        toml.push_str(&format!(
            "\n[[sections]]\ntitle = \"Section {i}\"\nbody = \"Text.\"\n"
        ));
    }
    assert!(toml.len() > 2_000_000);
    project.write("content/many.toml", &toml);
    let measured = measured(&project, &["build", "--message-format", "json"]);
    let run = measured.refused();
    // Section 2,001 starts on line 3 + 2,000 × 4 + 1.
    assert_eq!(
        run.json_errors(),
        [(
            "too-large".to_string(),
            "content/many.toml:8004:1".to_string()
        )],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("50000 sections, over the limit of 2000")
    );
    assert!(project.path("output/good.pdf").is_file());
}

#[test]
fn a_49_mib_markdown_file_fails_one_publication_not_the_machine() {
    let project = Project::empty();
    with_a_good_neighbour(&project);
    let paragraph = "Words of a long report, *some emphasised*, and on. ".repeat(20) + "\n\n";
    let markdown = paragraph.repeat(49 * 1024 * 1024 / paragraph.len());
    project.write("content/huge/body.md", markdown).write(
        "content/huge.toml",
        "title = \"Huge\"\ndate = 2024-01-01\n\n[[sections]]\ntitle = \"All\"\nfile = \"huge/body.md\"\n",
    );
    let measured = measured(&project, &["build", "--message-format", "json"]);
    let run = measured.refused();
    assert_eq!(
        run.json_errors(),
        [("too-large".to_string(), "content/huge.toml:6:8".to_string())],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("over the limit of 4.0 MiB"),
        "{}",
        run.stdout
    );
    assert!(project.path("output/good.pdf").is_file());
}

#[test]
fn forty_thousand_unknown_keys_are_reported_in_linear_time_and_capped() {
    let project = Project::empty();
    let mut toml = String::from("title = \"Keys\"\ndate = 2024-01-01\n");
    for i in 0..40_000 {
        toml.push_str(&format!("unknown_key_{i} = \"value {i}\"\n"));
    }
    toml.push_str("\n[[sections]]\ntitle = \"One\"\nbody = \"Text.\"\n");
    project.write("content/keys.toml", &toml);

    let human = measured(&project, &["check"]);
    human.refused();
    let errors = human.run.stderr.matches("error[unknown-key]").count();
    assert_eq!(
        errors, 101,
        "100 shown and one summary:\n{}",
        human.run.stderr
    );
    assert!(
        human
            .run
            .stderr
            .contains("and 39900 more errors in this file, not shown (only the first 100 are)"),
        "{}",
        human.run.stderr
    );
    // The last key shown is the hundredth, pointed at on its own line.
    assert!(human.run.stderr.contains("┌─ content/keys.toml:102:1"));

    let json = measured(&project, &["check", "--message-format", "json"]);
    assert_eq!(json.refused().json_errors().len(), 101);
    for run in [&human, &json] {
        // 21 s before (quadratic); a few hundred ms now.
        assert!(
            run.elapsed < Duration::from_secs(5),
            "took {:?}",
            run.elapsed
        );
    }
}

#[test]
fn words_with_no_place_to_break_are_bounded_per_paragraph_and_per_publication() {
    // A 3.9 MB word took hours (typst breaks it in time that grows with the
    // square of its length); 21 paragraphs of 5,000 characters cross the
    // publication's total of 100,000.
    let project = Project::empty();
    with_a_good_neighbour(&project);
    let paragraphs: Vec<String> = (0..21).map(|_| "b".repeat(5_000)).collect();
    project
        .write(
            "content/w/word.md",
            format!("Intro.\n\nSee {}\n", "a".repeat(3_900_000)),
        )
        .write(
            "content/word.toml",
            "title = \"W\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nfile = \"w/word.md\"\n",
        )
        .write("content/w/many.md", paragraphs.join("\n\n"))
        .write(
            "content/many.toml",
            "title = \"M\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nfile = \"w/many.md\"\n",
        );
    refused_quickly(
        &project,
        &["content/w/many.md:41:1", "content/w/word.md:3:5"],
        &[
            "this paragraph has more than 5000 characters in words with no place to break a line",
            "the publication has more than 100000 characters in words with no place to break a line",
        ],
    );
}

#[test]
fn the_images_of_a_publication_share_a_pixel_budget_from_their_headers() {
    // Twenty distinct 49-megapixel PNGs, each within the per-image limit,
    // took 2.9 GB: the sixth crosses the default total of 250 megapixels.
    let project = Project::empty();
    with_a_good_neighbour(&project);
    let mut body = String::new();
    for i in 0..20 {
        project.write(
            &format!("content/img/i{i}.png"),
            png_declaring(7_000, 7_000),
        );
        body.push_str(&format!("![image {i}](img/i{i}.png)\n\n"));
    }
    project.write(
        "content/big.toml",
        format!("title = \"Big\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nbody = \"\"\"\n{body}\"\"\"\n"),
    );
    let measured = measured(&project, &["build", "--message-format", "json"]);
    let run = measured.refused();
    assert_eq!(
        run.json_errors(),
        [("too-large".to_string(), "content/big.toml:16:1".to_string())],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "`img/i5.png` brings the images of this publication to 294.0 megapixels, over the limit of 250.0 megapixels for their total"
        ),
        "{}",
        run.stdout
    );
    assert!(project.path("output/good.pdf").is_file());
    let run = project.run(&[
        "check",
        "--max-total-pixels",
        "1000",
        "--message-format",
        "json",
    ]);
    assert!(
        run.json_errors()
            .iter()
            .all(|(code, _)| code != "too-large"),
        "{}",
        run.stdout
    );
}

#[test]
fn images_and_attachments_share_a_byte_budget_set_with_max_total_file_size() {
    let project = Project::empty();
    let mut toml = String::from(
        "title = \"Files\"\ndate = 2025-01-15\ncover = \"f/cover.png\"\n[[sections]]\ntitle = \"S\"\nbody = \"Text.\"\n",
    );
    let mut cover = png(1, 1, [10, 20, 30]);
    cover.resize(400 * 1024, 0);
    project.write("content/f/cover.png", cover);
    for i in 0..3 {
        project.write(&format!("content/f/data{i}.bin"), vec![7u8; 400 * 1024]);
        toml.push_str(&format!(
            "[[attachments]]\ntitle = \"Data {i}\"\nfile = \"f/data{i}.bin\"\n"
        ));
    }
    project.write("content/files.toml", toml);
    let run = project.run(&[
        "check",
        "--max-total-file-size",
        "1",
        "--message-format",
        "json",
    ]);
    run.expect_code(1);
    assert_eq!(
        run.json_errors(),
        [(
            "too-large".to_string(),
            "content/files.toml:12:8".to_string()
        )],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(
            "`f/data1.bin` brings the images and attachments of this publication to 1.2 MiB, over the limit of 1.0 MiB for their total"
        ),
        "{}",
        run.stdout
    );
    project.run(&["check"]).expect_code(0);
}

/// A Markdown table of `cols` columns, a header and `rows` rows.
fn table(cols: usize, rows: usize) -> String {
    let mut lines = vec![
        "|".to_string() + &"a|".repeat(cols),
        "|".to_string() + &"-|".repeat(cols),
    ];
    lines.extend((0..rows).map(|_| "|".to_string() + &"b|".repeat(cols)));
    lines.join("\n") + "\n"
}

#[test]
fn table_cells_are_bounded_per_table_and_per_publication() {
    // 100 × 400 cells (80 KB) took 104 s and 7.7 GB; 5,000 wide cells
    // cost about 1 GB, and the tables of one publication add up.
    let project = Project::empty();
    with_a_good_neighbour(&project);
    let three = (0..3)
        .map(|_| table(10, 399))
        .collect::<Vec<_>>()
        .join("\n");
    project
        .write("content/t/wide.md", format!("Intro.\n\n{}", table(100, 400)))
        .write(
            "content/wide.toml",
            "title = \"W\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nfile = \"t/wide.md\"\n",
        )
        .write("content/t/three.md", three)
        .write(
            "content/three.toml",
            "title = \"T\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nfile = \"t/three.md\"\n",
        );
    refused_quickly(
        &project,
        &["content/t/three.md:1006:2", "content/t/wide.md:3:1"],
        &[
            "this table has more than 5000 cells",
            "the publication has more than 10000 table cells",
        ],
    );
}

/// Builds `project` (which also holds a good publication, `good.toml`):
/// exactly one `too-large` error at each of `at` (sorted), each message of
/// `limits` said, within 30 s, and the good publication built.
#[test]
fn long_words_in_titles_names_and_key_figures_are_bounded_per_line_and_in_all() {
    // A title is laid out as a heading, a running head and an outline entry,
    // each fitted: one 60,000-letter section title built for over ten
    // minutes, twenty of 4,999 letters for 52 s.
    let project = Project::empty();
    with_a_good_neighbour(&project);
    let word = "W".repeat(999);
    let sections: String = (0..21)
        .map(|_| format!("[[sections]]\ntitle = \"{word}\"\nbody = \"x\"\n"))
        .collect();
    project
        .write(
            "content/title.toml",
            format!(
                "title = \"T\"\ndate = 2025-01-15\n[[sections]]\ntitle = \"S\"\nbody = \"x\"\n\
                 [[highlights]]\nvalue = \"1\"\nlabel = \"{}\"\n",
                "k".repeat(60_000)
            ),
        )
        .write(
            "content/titles.toml",
            format!("title = \"T\"\ndate = 2025-01-15\n{sections}"),
        );
    refused_quickly(
        &project,
        &["content/title.toml:8:9", "content/titles.toml:64:9"],
        &[
            "this line has more than 1000 characters in words with no place to break it",
            "the titles, names, key figures and attachment lines have more than 20000 characters",
        ],
    );
}

#[test]
fn a_png_whose_colour_profile_is_a_bomb_is_refused_before_any_decoder_inflates_it() {
    // 64 KB of zlib that inflates to 64 MiB: typst inflates a profile whole
    // (a 3 MB one aborted the batch on a 3 GB allocation).
    use std::io::Write;
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    for _ in 0..64 {
        encoder.write_all(&[0u8; 1 << 20]).unwrap();
    }
    let mut body = b"icc\0\0".to_vec();
    body.extend(encoder.finish().unwrap());
    let mut chunk = (body.len() as u32).to_be_bytes().to_vec();
    let mut typed = b"iCCP".to_vec();
    typed.extend(&body);
    chunk.extend(&typed);
    chunk.extend(crc32(&typed).to_be_bytes());
    // After the signature (8) and the IHDR chunk (25).
    let mut bomb = png(1, 1, [200, 30, 30]);
    bomb.splice(33..33, chunk);
    assert!(bomb.len() < 200_000);
    let project = Project::empty();
    with_a_good_neighbour(&project);
    project.write("content/p/profile.png", bomb).write(
        "content/profile.toml",
        "title = \"P\"\ndate = 2024-01-01\n[[sections]]\ntitle = \"One\"\n\
             body = \"![A swatch](p/profile.png)\"\n",
    );
    let run = project.run(&["build", "--message-format", "json"]);
    run.expect_code(1);
    assert_eq!(
        run.json_errors(),
        [(
            "too-large".to_string(),
            "content/profile.toml:5:9".to_string()
        )],
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("has a colour profile (iCCP) that inflates to more than 16 MiB"),
        "{}",
        run.stdout
    );
    assert!(project.path("output/good.pdf").is_file());
}

fn refused_quickly(project: &Project, at: &[&str], limits: &[&str]) {
    let measured = measured(project, &["build", "--message-format", "json"]);
    let run = measured.refused();
    let mut errors = run.json_errors();
    errors.sort();
    let expected: Vec<(String, String)> = at
        .iter()
        .map(|at| ("too-large".to_string(), at.to_string()))
        .collect();
    assert_eq!(errors, expected, "{}", run.stdout);
    for limit in limits {
        assert!(run.stdout.contains(limit), "{limit}: {}", run.stdout);
    }
    assert!(
        measured.elapsed < Duration::from_secs(30),
        "took {:?}",
        measured.elapsed
    );
    assert!(project.path("output/good.pdf").is_file());
}
