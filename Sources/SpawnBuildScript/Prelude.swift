/// The fixed part of every build script: the functions the generated steps call.
///
/// It never handles a recipe value as code: values arrive as quoted arguments. Inside the
/// image, paths are resolved by programs running in systemd-nspawn (the statically linked
/// busybox of the build host, bind-mounted read-only under /run, a tmpfs), so a symbolic link
/// in the image can never make a build step read or write the build host's files.
enum Prelude {
  static let text = #"""
    # ---- spawnc build functions (the same in every build script) ----

    spawnc_log() {
      printf '%s\n' "$*" >&2
    }

    spawnc_die() {
      printf 'build-%s: error: %s\n' "$name" "$*" >&2
      exit 1
    }

    spawnc_progress() {
      printf '[%s/%s] %s\n' "$1" "$total" "$2" >&2
    }

    # Checks the tools, opens (or creates) the store, and makes a private work directory that
    # is removed on exit, success or not.
    spawnc_begin() {
      [ "$(id -u)" = 0 ] || spawnc_die 'the build needs root: it runs systemd-nspawn and writes the image store'
      for spawnc_tool in ostree rofiles-fuse systemd-nspawn sha256sum tar realpath; do
        command -v "$spawnc_tool" >/dev/null 2>&1 || spawnc_die "$spawnc_tool is not installed"
      done
      [ -x "$busybox" ] || spawnc_die "$busybox (Debian package busybox-static) is needed for COPY and WORKDIR steps"
      mkdir -p "$state/tmp" "$state/images" "$state/checkouts"
      if [ ! -d "$repo/objects" ]; then
        ostree --repo="$repo" init --mode=bare
      fi
      mkdir -p "$state/locks"
      exec 9>"$state/locks/build-$name"
      flock -n 9 || spawnc_die "another build of $name is running"
      spawnc_reap
      work=$(mktemp -d "$state/tmp/build-$name.XXXXXX")
      printf '%s\n' "$$" >"$work/pid"
      : >"$work/steps"
      : >"$work/bases"
      trap spawnc_cleanup EXIT
      trap 'exit 130' INT
      trap 'exit 143' TERM
      context_real=$(realpath -e -- "$context") || spawnc_die "the build context $context does not exist"
    }

    # Removes what earlier builds of this container left when they were killed: their work
    # directories and the mounts in them.
    spawnc_reap() {
      for spawnc_old in "$state/tmp/build-$name".*; do
        [ -d "$spawnc_old" ] || continue
        spawnc_pid=$(cat "$spawnc_old/pid" 2>/dev/null) || spawnc_pid=
        if [ -n "$spawnc_pid" ] && kill -0 "$spawnc_pid" 2>/dev/null; then
          continue
        fi
        for spawnc_mount in "$spawnc_old"/mnt-*; do
          if [ -d "$spawnc_mount" ]; then
            umount --lazy "$spawnc_mount" 2>/dev/null || true
          fi
        done
        rm -rf --one-file-system "$spawnc_old"
      done
    }

    spawnc_cleanup() {
      spawnc_status=$?
      trap - EXIT
      if [ -n "${work:-}" ] && [ -d "$work" ]; then
        for spawnc_mount in "$work"/mnt-*; do
          if [ -d "$spawnc_mount" ]; then
            umount "$spawnc_mount" 2>/dev/null || umount --lazy "$spawnc_mount" 2>/dev/null || true
          fi
        done
        rm -rf --one-file-system "$work"
      fi
      exit "$spawnc_status"
    }

    # Commits a directory tree with the canonical commit recipe (orphan, fixed timestamp and
    # subject) and prints the commit ID.
    spawnc_commit_dir() {
      ostree --repo="$repo" commit --orphan --link-checkout-speedup --timestamp='1970-01-01T00:00:00Z' \
        --subject='spawnc layer' --tree=dir="$1"
    }

    spawnc_set_stage() {
      printf '%s\n' "$2" >"$work/stage-$1"
    }

    spawnc_stage() {
      cat "$work/stage-$1"
    }

    # spawnc_from_image STAGE STEP DESCRIPTION CONTENT-ID
    spawnc_from_image() {
      spawnc_progress "$2" "$3"
      spawnc_id=${4#sha256:}
      if ! ostree --repo="$repo" show "$spawnc_id" >/dev/null 2>&1; then
        spawnc_die "the base image $4 is not in the store at $state; import its root file system with 'spawnc import ROOTFS.tar' and pin the ID it prints ('spawnc images' lists them)"
      fi
      printf '%s\n' "$4" >>"$work/bases"
      spawnc_set_stage "$1" "$spawnc_id"
    }

    # spawnc_verify HEX SHOWN: refuses an image that is missing, or whose objects do not match
    # their checksums (checked in a scratch repository sharing this image's objects only). A
    # successful check leaves a stamp and the list of the image's object files; while none of
    # those files has been written since (OSTree keeps objects at mtime 0, and any write moves
    # it), the full check is not repeated, so a rebuild stays fast.
    spawnc_verify() {
      if ! ostree --repo="$repo" show "$1" >/dev/null 2>&1; then
        spawnc_die "the image $2 is not in the store at $state; import its root file system with 'spawnc import ROOTFS.tar' and pin the ID it prints ('spawnc images' lists them)"
      fi
      spawnc_stamp="$state/verified/$1"
      if [ -f "$spawnc_stamp" ] && [ -f "$spawnc_stamp.objects" ]; then
        spawnc_changed=$(xargs -r -d '\n' -a "$spawnc_stamp.objects" \
          sh -c 'find "$@" -newer "$0" -print 2>&1' "$spawnc_stamp" | head -n 1)
        if [ -z "$spawnc_changed" ]; then
          return 0
        fi
      fi
      mkdir -p "$state/verified"
      : >"$spawnc_stamp.new"
      spawnc_check="$work/verify-$1"
      ostree --repo="$spawnc_check" init --mode=bare
      ostree --repo="$spawnc_check" pull-local "$repo" "$1" >/dev/null 2>&1 ||
        spawnc_die "the image $2 is damaged in the store: $(ostree --repo="$spawnc_check" pull-local "$repo" "$1" 2>&1 | tail -n 1)"
      if ! spawnc_fsck=$(ostree --repo="$spawnc_check" fsck --quiet 2>&1); then
        spawnc_die "the image $2 is damaged in the store, so the build stops before its first step: $(printf '%s\n' "$spawnc_fsck" | tail -n 1)"
      fi
      (cd "$spawnc_check/objects" && find . -type f -o -type l) | while IFS= read -r spawnc_object; do
        printf '%s\n' "$repo/objects${spawnc_object#.}"
      done >"$spawnc_stamp.objects.new"
      mv "$spawnc_stamp.objects.new" "$spawnc_stamp.objects"
      mv "$spawnc_stamp.new" "$spawnc_stamp"
      rm -rf "$spawnc_check"
    }

    # Bases are verified before the first step that runs (a rebuild whose steps all come from
    # the cache reads nothing from them).
    spawnc_verify_bases() {
      while IFS= read -r spawnc_base; do
        [ -n "$spawnc_base" ] && spawnc_verify "${spawnc_base#sha256:}" "$spawnc_base"
      done <"$work/bases"
      : >"$work/bases.verified"
    }

    # spawnc_from_scratch STAGE STEP DESCRIPTION
    spawnc_from_scratch() {
      spawnc_progress "$2" "$3"
      mkdir -p "$work/empty"
      spawnc_set_stage "$1" "$(spawnc_commit_dir "$work/empty")"
    }

    # spawnc_from_stage STAGE STEP DESCRIPTION BASE-STAGE
    spawnc_from_stage() {
      spawnc_progress "$2" "$3"
      spawnc_set_stage "$1" "$(spawnc_stage "$4")"
    }

    # spawnc_step STAGE STEP DESCRIPTION SPEC [INPUTS]
    # Returns 0 when the step must run, with $root a writable view of the stage's image in
    # which writes never reach the store (rofiles-fuse --copyup breaks hardlinks before a
    # write), and 1 when the step cache already holds its result.
    spawnc_step() {
      spawnc_parent=$(spawnc_stage "$1")
      spawnc_key=$(printf 'spawnc-step-1\n%s\n%s\n%s\n' "$spawnc_parent" "$4" "${5:-}" | sha256sum | cut -d ' ' -f 1)
      if spawnc_cached=$(ostree --repo="$repo" rev-parse "spawnc/cache/$spawnc_key" 2>/dev/null); then
        printf '[%s/%s] CACHED %s\n' "$2" "$total" "$3" >&2
        spawnc_set_stage "$1" "$spawnc_cached"
        printf '%s\n' "$spawnc_cached" >>"$work/steps"
        return 1
      fi
      if [ ! -f "$work/bases.verified" ]; then
        spawnc_verify_bases
      fi
      spawnc_progress "$2" "$3"
      spawnc_checkout="$work/co-$1"
      root="$work/mnt-$1"
      rm -rf "$spawnc_checkout"
      ostree --repo="$repo" checkout -H "$spawnc_parent" "$spawnc_checkout"
      # systemd-nspawn refuses a tree without /usr (a FROM scratch stage has none yet).
      if [ ! -e "$spawnc_checkout/usr" ] && [ ! -L "$spawnc_checkout/usr" ]; then
        mkdir -m 0755 "$spawnc_checkout/usr"
      fi
      mkdir -p "$root"
      # (Long-lived helpers must not inherit the lock on file descriptor 9.)
      rofiles-fuse --copyup "$spawnc_checkout" "$root" 9>&-
      return 0
    }

    # Commits the result of the running step of STAGE and records it in the step cache.
    spawnc_step_done() {
      umount "$root"
      spawnc_result=$(spawnc_commit_dir "$work/co-$1")
      ostree --repo="$repo" refs --force --create="spawnc/cache/$spawnc_key" "$spawnc_result"
      spawnc_set_stage "$1" "$spawnc_result"
      printf '%s\n' "$spawnc_result" >>"$work/steps"
      rm -rf "$work/co-$1"
    }

    # spawnc_nspawn OPTIONS... -- ARGV...: runs a program in $root. The host's resolv.conf is
    # bind-mounted when the image has one, so nothing about the build host stays in the image.
    spawnc_nspawn() {
      spawnc_resolv=off
      if ostree --repo="$repo" ls "$spawnc_parent" /etc/resolv.conf >/dev/null 2>&1; then
        spawnc_resolv=bind-host
      fi
      systemd-nspawn --quiet --register=no --keep-unit --settings=no --console=pipe --as-pid2 \
        --link-journal=no --suppress-sync=yes --resolv-conf="$spawnc_resolv" --timezone=off \
        --machine="$machine" --directory="$root" "$@" </dev/null >&2 9>&-
    }

    # spawnc_run USER WORKDIR N NAME=VALUE(N times) ARGV...
    spawnc_run() {
      spawnc_user=$1
      spawnc_workdir=$2
      spawnc_count=$3
      shift 3
      spawnc_index=0
      while [ "$spawnc_index" -lt "$spawnc_count" ]; do
        set -- "$@" "--setenv=$1"
        shift
        spawnc_index=$((spawnc_index + 1))
      done
      spawnc_count=$(($# - spawnc_count))
      set -- "$@" --
      spawnc_index=0
      while [ "$spawnc_index" -lt "$spawnc_count" ]; do
        set -- "$@" "$1"
        shift
        spawnc_index=$((spawnc_index + 1))
      done
      set -- "--chdir=$spawnc_workdir" "$@"
      if [ -n "$spawnc_user" ]; then
        set -- "--user=$spawnc_user" "$@"
      fi
      if [ -n "${spawnc_script:-}" ]; then
        set -- "--bind-ro=$spawnc_script:/dev/pipes/${spawnc_script##*/}" "$@"
      fi
      spawnc_nspawn "$@" || spawnc_die "the step failed with exit status $?"
      spawnc_script=
    }

    # spawnc_run_script USER WORKDIR NAME CONTENT N NAME=VALUE... : a here-document that starts
    # with #! runs as a script file, mounted read-only at /dev/pipes/NAME.
    spawnc_run_script() {
      spawnc_pipes="$work/pipes-$$"
      rm -rf "$spawnc_pipes"
      mkdir -p "$spawnc_pipes"
      spawnc_script="$spawnc_pipes/$3"
      printf '%s' "$4" >"$spawnc_script"
      chmod 0755 "$spawnc_script"
      spawnc_user=$1
      spawnc_workdir=$2
      spawnc_name=$3
      shift 4
      spawnc_run "$spawnc_user" "$spawnc_workdir" "$@" "/dev/pipes/$spawnc_name"
    }

    # Runs busybox in $root with the COPY sources mounted read-only under /run/spawnc.
    spawnc_busybox() {
      set -- --bind-ro="$busybox:/run/spawnc/busybox" "$@"
      if [ -n "${spawnc_from:-}" ]; then
        set -- --bind-ro="$spawnc_from:/run/spawnc/from" "$@"
      fi
      if [ -n "${spawnc_inline:-}" ]; then
        set -- --bind-ro="$spawnc_inline:/run/spawnc/inline" "$@"
      fi
      spawnc_nspawn "$@" || spawnc_die "the step failed with exit status $?"
    }

    # spawnc_mkdir PATH: creates a directory (and its parents) inside the image.
    spawnc_mkdir() {
      spawnc_from=
      spawnc_inline=
      spawnc_busybox -- /run/spawnc/busybox mkdir -p -- "$1"
    }

    # The COPY program, run by busybox sh inside the image, so that every path of the image is
    # resolved there: DEST DEST-IS-DIR USER GROUP MODE SOURCE..., where a SOURCE is a pattern
    # relative to /run/spawnc/from or inline:NAME for a file in /run/spawnc/inline.
    spawnc_copy_program='
    set -eu
    bb=/run/spawnc/busybox
    dest=$1 isdir=$2 user=$3 group=$4 mode=$5
    shift 5
    owner=0:0
    if [ -n "$user" ]; then
      uid=$user
      case $user in *[!0-9]*) uid=$("$bb" id -u "$user") ;; esac
      gid=$uid
      if [ -n "$group" ]; then
        gid=$group
        case $group in
          *[!0-9]*) gid=$("$bb" awk -F: -v n="$group" "\$1 == n { print \$3; found = 1 } END { exit !found }" /etc/group) ;;
        esac
      fi
      owner=$uid:$gid
    fi
    finish() {
      "$bb" chown -R -h "$owner" "$1"
      if [ -n "$mode" ]; then "$bb" chmod -R "$mode" "$1"; fi
    }
    copy_one() {
      if [ -d "$1" ]; then
        "$bb" mkdir -p "$dest"
        for entry in "$1"/* "$1"/.[!.]* "$1"/..?*; do
          if [ -e "$entry" ] || [ -L "$entry" ]; then
            "$bb" cp -a "$entry" "$dest/"
            finish "$dest/${entry##*/}"
          fi
        done
      else
        if [ "$isdir" = yes ] || [ -d "$dest" ]; then
          "$bb" mkdir -p "$dest"
          target=$dest/${1##*/}
        else
          "$bb" mkdir -p "${dest%/*}/"
          target=$dest
        fi
        "$bb" cp -L -p "$1" "$target"
        finish "$target"
      fi
    }
    for src do
      case $src in
        inline:*) copy_one "/run/spawnc/inline/${src#inline:}" ;;
        *)
          found=no
          IFS=
          for match in /run/spawnc/from/$src; do
            if [ -e "$match" ] || [ -L "$match" ]; then
              found=yes
              copy_one "$match"
            fi
          done
          unset IFS
          if [ "$found" = no ]; then
            echo "COPY: no file matches $src" >&2
            exit 1
          fi
          ;;
      esac
    done
    '

    # spawnc_copy ORIGIN DEST DEST-IS-DIR USER GROUP MODE [path PATTERN | inline NAME CONTENT]...
    # ORIGIN is "context", "stage:N" or "image:sha256:ID".
    spawnc_copy() {
      spawnc_origin=$1
      spawnc_dest=$2
      spawnc_isdir=$3
      spawnc_owner_user=$4
      spawnc_owner_group=$5
      spawnc_mode=$6
      shift 6
      spawnc_inline=
      case $spawnc_origin in
        context)
          spawnc_from=$context_real
          ;;
        stage:*)
          spawnc_from="$work/from-$spawnc_key"
          ostree --repo="$repo" checkout -H "$(spawnc_stage "${spawnc_origin#stage:}")" "$spawnc_from"
          ;;
        image:*)
          spawnc_from="$work/from-$spawnc_key"
          spawnc_id=${spawnc_origin#image:sha256:}
          spawnc_verify "$spawnc_id" "${spawnc_origin#image:}"
          ostree --repo="$repo" checkout -H "$spawnc_id" "$spawnc_from"
          ;;
      esac
      spawnc_count=$#
      while [ "$spawnc_count" -gt 0 ]; do
        if [ "$1" = inline ]; then
          if [ -z "$spawnc_inline" ]; then
            spawnc_inline="$work/inline-$spawnc_key"
            mkdir -p "$spawnc_inline"
          fi
          printf '%s' "$3" >"$spawnc_inline/$2"
          chmod 0644 "$spawnc_inline/$2"
          set -- "$@" "inline:$2"
          shift 3
          spawnc_count=$((spawnc_count - 3))
        else
          if [ "$spawnc_origin" = context ]; then
            spawnc_check_context "$2"
          fi
          set -- "$@" "${2#/}"
          shift 2
          spawnc_count=$((spawnc_count - 2))
        fi
      done
      spawnc_busybox -- /run/spawnc/busybox sh -c "$spawnc_copy_program" spawnc-copy \
        "$spawnc_dest" "$spawnc_isdir" "$spawnc_owner_user" "$spawnc_owner_group" "$spawnc_mode" "$@"
      spawnc_from=
      spawnc_inline=
    }

    # spawnc_check_context PATTERN: refuses a COPY source from the context that matches
    # nothing or leaves the context through a symbolic link (the context may have changed
    # since the recipe was checked).
    spawnc_check_context() {
      (
        cd "$context_real" || exit 1
        spawnc_found=no
        IFS=
        # shellcheck disable=SC2086  # the pattern's wildcards expand here, and nothing else
        for spawnc_path in $1; do
          if [ ! -e "$spawnc_path" ] && [ ! -L "$spawnc_path" ]; then
            continue
          fi
          spawnc_real=$(realpath -e -- "$spawnc_path") || spawnc_die "COPY: $spawnc_path is a broken symbolic link"
          case $spawnc_real/ in
            "$context_real"/*) ;;
            *) spawnc_die "COPY: $spawnc_path leaves the build context (it resolves to $spawnc_real)" ;;
          esac
          spawnc_found=yes
        done
        [ "$spawnc_found" = yes ] || spawnc_die "COPY: nothing in the build context $context matches $1"
      )
    }

    # spawnc_digest PATTERN...: a digest of COPY inputs from the context (names, types, modes,
    # link targets and contents; not owners or times), for the step cache.
    spawnc_digest() {
      (
        cd "$context_real" || exit 1
        spawnc_count=$#
        IFS=
        while [ "$spawnc_count" -gt 0 ]; do
          spawnc_pattern=$1
          shift
          spawnc_count=$((spawnc_count - 1))
          # shellcheck disable=SC2086  # the pattern's wildcards expand here, and nothing else
          for spawnc_path in $spawnc_pattern; do
            set -- "$@" "$spawnc_path"
          done
        done
        tar --sort=name --numeric-owner --owner=0 --group=0 --mtime=@0 --dereference -cf - -- "$@" 2>/dev/null |
          sha256sum | cut -d ' ' -f 1
      )
    }

    # spawnc_skeleton COMMIT: fills $work/skeleton with what systemd-nspawn needs and COMMIT
    # lacks: /usr and the mount points of its API file systems, and an /etc/resolv.conf to bind
    # the host's over on a read-only root (the image's own entries are left as they are).
    spawnc_skeleton() {
      mkdir "$work/skeleton"
      for spawnc_dir in usr dev proc sys run tmp; do
        if ! ostree --repo="$repo" ls -d "$1" "/$spawnc_dir" >/dev/null 2>&1; then
          mkdir -m 0755 "$work/skeleton/$spawnc_dir"
        fi
      done
      if [ -d "$work/skeleton/tmp" ]; then
        chmod 1777 "$work/skeleton/tmp"
      fi
      if ! ostree --repo="$repo" ls -d "$1" /etc/resolv.conf >/dev/null 2>&1; then
        spawnc_etc=$(ostree --repo="$repo" ls -d "$1" /etc 2>/dev/null) || spawnc_etc='d00755 0 0 0 /etc'
        case $spawnc_etc in
          d*)
            # An overlaid directory replaces the image's metadata: give it the same mode and owner.
            # shellcheck disable=SC2086  # split `d00755 UID GID SIZE PATH` into its fields
            set -- $spawnc_etc
            mkdir "$work/skeleton/etc"
            chmod "${1#d}" "$work/skeleton/etc"
            chown "$2:$3" "$work/skeleton/etc"
            : >"$work/skeleton/etc/resolv.conf"
            chmod 0644 "$work/skeleton/etc/resolv.conf"
            ;;
        esac
      fi
    }

    # spawnc_finish STAGE RECIPE-SHA256 CONFIG N [KEY VALUE]...: commits the final image with
    # its provenance (recipe digest, base images, every step's commit), its runtime
    # configuration and its N labels as metadata; checks it out under a temporary name and
    # renames it into place; points $state/images/$name at it atomically; then moves the
    # spawnc/images/$name ref. Prints the content ID.
    spawnc_finish() {
      spawnc_final=$(spawnc_stage "$1")
      spawnc_skeleton "$spawnc_final"
      spawnc_bases=$(paste -s -d , "$work/bases")
      spawnc_steps=$(paste -s -d , "$work/steps")
      set -- "$@" \
        --add-metadata-string="spawnc.recipe-sha256=$2" \
        --add-metadata-string="spawnc.config=$3" \
        --add-metadata-string="spawnc.bases=$spawnc_bases" \
        --add-metadata-string="spawnc.steps=$spawnc_steps"
      spawnc_count=$4
      shift 4
      spawnc_index=0
      while [ "$spawnc_index" -lt "$spawnc_count" ]; do
        set -- "$@" "--add-metadata-string=spawnc.label.$1=$2"
        shift 2
        spawnc_index=$((spawnc_index + 1))
      done
      spawnc_image=$(ostree --repo="$repo" commit --orphan --timestamp='1970-01-01T00:00:00Z' \
        --subject='spawnc image' --tree=ref="$spawnc_final" --tree=dir="$work/skeleton" \
        --add-detached-metadata-string="spawnc.source=$recipe" "$@")
      if [ ! -d "$state/checkouts/$spawnc_image" ]; then
        rm -rf "$state/checkouts/.$spawnc_image.tmp"
        ostree --repo="$repo" checkout -H "$spawnc_image" "$state/checkouts/.$spawnc_image.tmp"
        mv -T "$state/checkouts/.$spawnc_image.tmp" "$state/checkouts/$spawnc_image"
      fi
      ln -sfn "../checkouts/$spawnc_image" "$state/images/.$name.new"
      mv -T "$state/images/.$name.new" "$state/images/$name"
      ostree --repo="$repo" refs --force --create="spawnc/images/$name" "$spawnc_image"
      printf 'sha256:%s\n' "$spawnc_image"
    }
    """#
}
